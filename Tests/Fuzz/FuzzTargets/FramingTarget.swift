import HypencoderRPC

/// The daemon's message reader: `MessageFramer`, which cuts a connection's byte stream into
/// messages in either framing (LSP `Content-Length` headers or newline-delimited JSON),
/// detecting which one from the first byte as `Connection` does, or told it up front.
///
/// Input: one control byte, then the stream. Control bits 0–1 choose the framing (detected,
/// Content-Length, newline-delimited, detected); bits 2–7 seed the chunk sizes the stream is
/// delivered in (1…64 bytes, as a socket might split it). Limits are small (256-byte messages,
/// 64-byte headers) so the limit paths are reachable with short inputs.
///
/// Invariants: the messages, and whether and how the stream fails, do not depend on how it
/// was split into chunks (fed whole versus fed in the chunks); every message re-framed in the
/// connection's framing reads back as itself; a failure is sticky.
enum FramingTarget {
    static let limits = FramingLimits(maxMessageBytes: 256, maxHeaderBytes: 64)

    static let target = FuzzTarget(
        name: "framing",
        summary: "MessageFramer: Content-Length and newline-delimited framing, framing detection, chunked delivery",
        maxLength: 4096,
        seeds: seeds,
        run: run)

    struct Outcome: Equatable {
        var messages: [[UInt8]] = []
        var failure: String?
        var framing: Framing?
    }

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let control = input.first else { return }
        let stream = UnsafeRawBufferPointer(rebasing: input.dropFirst())
        let framing: Framing? = [nil, .contentLength, .newlineDelimited, nil][Int(control & 3)]

        var whole = MessageFramer(limits: limits, framing: framing)
        let wholeOutcome = feed(&whole, stream, chunkSeed: nil)
        var chunked = MessageFramer(limits: limits, framing: framing)
        let chunkedOutcome = feed(&chunked, stream, chunkSeed: UInt32(control >> 2))
        FuzzCheck.require(
            wholeOutcome == chunkedOutcome,
            "fed whole: \(wholeOutcome); fed in chunks: \(chunkedOutcome)")

        // Sticky failure: after an error every call throws again.
        if wholeOutcome.failure != nil {
            whole.append([UInt8]("\n{}\n".utf8))
            FuzzCheck.require((try? whole.nextMessage()) == nil, "a framer returned a message after failing")
        }

        // Re-framing: each message, written in the connection's framing, reads back unchanged.
        guard let used = wholeOutcome.framing else { return }
        for message in wholeOutcome.messages {
            // A line ending in "\r\r\n" loses only its last "\r" on the way in; written back with
            // "\n" the remaining "\r" is taken as part of the line end. Not a round trip to ask for.
            if used == .newlineDelimited && message.last == 0x0D { continue }
            var again = MessageFramer(limits: limits, framing: used)
            again.append(used.frame(message))
            let read = try? again.nextMessage()
            FuzzCheck.require(read == message, "message \(message) re-framed as \(used) read back as \(String(describing: read))")
        }
    }

    /// Appends the stream (whole, or in chunks of 1…64 bytes from a small generator) and drains
    /// every complete message after each append, as `Connection` does after each read.
    static func feed(_ framer: inout MessageFramer, _ stream: UnsafeRawBufferPointer, chunkSeed: UInt32?) -> Outcome {
        var outcome = Outcome()
        var state = (chunkSeed ?? 0) &* 2_654_435_761 &+ 1
        var offset = 0
        repeat {
            var size = stream.count - offset
            if chunkSeed != nil {
                state = state &* 1_103_515_245 &+ 12345
                size = min(size, Int((state >> 16) % 64) + 1)
            }
            framer.append(UnsafeRawBufferPointer(rebasing: stream[offset..<(offset + size)]))
            offset += size
            do {
                while let message = try framer.nextMessage() {
                    outcome.messages.append(message)
                    FuzzCheck.require(
                        message.count <= limits.maxMessageBytes,
                        "a \(message.count)-byte message passed the \(limits.maxMessageBytes)-byte limit")
                }
            } catch let error as FramingError {
                outcome.failure = describe(error.kind)
                break
            } catch {
                FuzzCheck.require(false, "MessageFramer threw a \(type(of: error)), not a FramingError")
            }
        } while offset < stream.count
        outcome.framing = framer.framing
        return outcome
    }

    static func describe(_ kind: FramingError.Kind) -> String {
        switch kind {
        case .unrecognizedFraming: return "unrecognizedFraming"
        case .malformedHeader: return "malformedHeader"
        case .limitExceeded(let violation): return "limitExceeded(\(violation.name))"
        }
    }

    static func seeds() -> [(name: String, bytes: [UInt8])] {
        let request = #"{"jsonrpc":"2.0","id":1,"method":"search","params":{"query":"cat","k":2}}"#
        let notification = #"{"jsonrpc":"2.0","method":"exit"}"#
        func lsp(_ body: String, extra: String = "") -> String {
            "Content-Length: \(body.utf8.count)\r\n\(extra)\r\n\(body)"
        }
        let texts: [(String, String)] = [
            ("ndjson-two", request + "\n" + notification + "\r\n"),
            ("ndjson-blank-lines", "\n  \n" + request + "\n\n[" + request + "]\n"),
            ("lsp-two", lsp(request) + lsp(notification)),
            ("lsp-content-type", lsp(request, extra: "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n")),
            ("lsp-content-type-first", "Content-Type: application/json; charset=utf8\r\nContent-Length: 2\r\n\r\n{}"),
            ("lsp-duplicate-length", "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}"),
            ("lsp-negative", "Content-Length: -1\r\n\r\n"),
            ("lsp-huge", "Content-Length: 99999999999999999999999\r\n\r\n"),
            ("lsp-bare-newline", "Content-Length: 2\n\n{}"),
            ("garbage", "hello\n"),
        ]
        // Control byte: framing choice in bits 0–1, chunk seed above.
        var out: [(name: String, bytes: [UInt8])] = []
        for (name, text) in texts {
            for control: UInt8 in [0x00, 0x55, 0xAA] {
                out.append((name: "\(name)-\(control)", bytes: [control] + Array(text.utf8)))
            }
        }
        return out
    }
}
