/// Framing: both framings fed one byte at a time, in pipelined chunks, and split at every
/// offset; blank lines and CRLF in NDJSON; the LSP header rules; lying and oversize
/// Content-Length; early detection of oversize NDJSON lines; and the encoder round trip.
import XCTest

@testable import HypencoderRPC

final class MessageFramerTests: XCTestCase {
    /// Message bodies of different sizes, with multi-byte UTF-8 so splits land mid-character.
    private let bodies: [[UInt8]] = [
        bytes(#"{"jsonrpc":"2.0","method":"initialize","id":1,"params":{}}"#),
        bytes(#"{"jsonrpc":"2.0","method":"search","id":"q-é😀","params":{"query":"café 中文"}}"#),
        bytes(#"[{"jsonrpc":"2.0","method":"a"},{"jsonrpc":"2.0","method":"b","id":2}]"#),
        bytes("{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":[\"" + String(repeating: "y", count: 3000) + "\"]}"),
    ]

    private func stream(_ framing: Framing) -> [UInt8] {
        bodies.flatMap { framing.frame($0) }
    }

    /// Feeds `chunks` one after another, draining messages after each.
    private func drain(
        _ chunks: [ArraySlice<UInt8>], limits: FramingLimits = FramingLimits(),
        file: StaticString = #filePath, line: UInt = #line
    ) -> [[UInt8]] {
        var framer = MessageFramer(limits: limits)
        var out: [[UInt8]] = []
        do {
            for chunk in chunks {
                framer.append(chunk)
                while let message = try framer.nextMessage() { out.append(message) }
            }
        } catch {
            XCTFail("unexpected framing error: \(error)", file: file, line: line)
        }
        XCTAssertEqual(framer.bufferedByteCount, 0, "leftover bytes", file: file, line: line)
        return out
    }

    /// The framing error produced by feeding `input` in one chunk.
    private func framingError(
        _ input: [UInt8], limits: FramingLimits = FramingLimits(),
        file: StaticString = #filePath, line: UInt = #line
    ) -> FramingError? {
        var framer = MessageFramer(limits: limits)
        framer.append(input)
        do {
            while try framer.nextMessage() != nil {}
            XCTFail("expected a framing error", file: file, line: line)
        } catch let error as FramingError {
            return error
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }

    func testOneByteAtATimeBothFramings() {
        for framing in [Framing.contentLength, .newlineDelimited] {
            let data = stream(framing)
            let chunks = data.indices.map { data[$0...$0] }
            XCTAssertEqual(drain(chunks), bodies, "\(framing)")
        }
    }

    func testManyMessagesInOneChunk() {
        for framing in [Framing.contentLength, .newlineDelimited] {
            let many = Array(repeating: stream(framing), count: 50).flatMap { $0 }
            let out = drain([many[...]])
            XCTAssertEqual(out.count, 200)
            XCTAssertEqual(Array(out.prefix(4)), bodies)
        }
    }

    func testSplitAtEveryOffset() {
        for framing in [Framing.contentLength, .newlineDelimited] {
            // The first three bodies (the fourth is long and adds nothing but time).
            let data = bodies.prefix(3).flatMap { framing.frame($0) }
            for cut in 0...data.count {
                let out = drain([data[..<cut], data[cut...]])
                XCTAssertEqual(out, Array(bodies.prefix(3)), "\(framing), cut at \(cut)")
            }
        }
    }

    func testLargeMessageInSmallChunks() {
        let big = bytes("{\"v\":\"" + String(repeating: "z", count: 2 << 20) + "\"}")
        for framing in [Framing.contentLength, .newlineDelimited] {
            let data = framing.frame(big) + framing.frame(bodies[0])
            let chunks = stride(from: 0, to: data.count, by: 4096).map {
                data[$0..<min($0 + 4096, data.count)]
            }
            XCTAssertEqual(drain(chunks), [big, bodies[0]], "\(framing)")
        }
    }

    func testFramingIsDetectedFromTheFirstNonWhitespaceByte() throws {
        var framer = MessageFramer()
        framer.append(bytes(" \r\n\t"))
        XCTAssertNil(try framer.nextMessage())
        XCTAssertNil(framer.framing)
        framer.append(bytes("content-length: 2\r\n\r\n{}"))
        XCTAssertEqual(try framer.nextMessage(), bytes("{}"))
        XCTAssertEqual(framer.framing, .contentLength)

        var ndjson = MessageFramer()
        ndjson.append(bytes("\n[1]\n"))
        XCTAssertEqual(try ndjson.nextMessage(), bytes("[1]"))
        XCTAssertEqual(ndjson.framing, .newlineDelimited)

        XCTAssertEqual(framingError(bytes("CGARBAGE\r\n\r\n"))?.kind, .malformedHeader)
        XCTAssertEqual(framingError(bytes("GARBAGE"))?.kind, .unrecognizedFraming, "refused at once")
        XCTAssertEqual(framingError(bytes("\"just a string\"\n"))?.kind, .unrecognizedFraming)
        XCTAssertEqual(framingError([0xFF])?.kind, .unrecognizedFraming)
    }

    func testNewlineDelimitedToleratesBlankLinesAndCRLF() {
        let input = bytes("{\"a\":1}\r\n\n   \n\r\n{\"b\":2}\n\t\n[3]\r\n")
        XCTAssertEqual(drain([input[...]]), [bytes("{\"a\":1}"), bytes("{\"b\":2}"), bytes("[3]")])
    }

    func testNewlineDelimitedOversizeLineIsRefusedBeforeItEnds() throws {
        let limits = FramingLimits(maxMessageBytes: 100)
        var framer = MessageFramer(limits: limits)
        framer.append(bytes("{\"a\":\"") + [UInt8](repeating: 0x61, count: 80))
        XCTAssertNil(try framer.nextMessage(), "still under the limit: wait for more")
        framer.append([UInt8](repeating: 0x61, count: 30))
        XCTAssertThrowsError(try framer.nextMessage()) { error in
            guard let error = error as? FramingError,
                case .limitExceeded(let limit) = error.kind
            else { return XCTFail("\(error)") }
            XCTAssertEqual(limit.name, .messageBytes)
            XCTAssertEqual(limit.max, 100)
            XCTAssertTrue(error.message.contains("100 bytes"), error.message)
        }
        // Sticky: the stream cannot be resynchronised.
        framer.append(bytes("\n{}\n"))
        XCTAssertThrowsError(try framer.nextMessage())

        // Exactly at the limit (plus CR) is fine.
        let exact = [UInt8](repeating: 0x20, count: 98)
        XCTAssertEqual(drain([(bytes("[") + exact + bytes("]\r\n"))[...]], limits: limits).count, 1)
    }

    func testContentLengthHeaderRules() throws {
        let ok = drain([
            bytes(
                "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
                    + "CONTENT-LENGTH:2\r\nX-Extra: yes\r\n\r\n{}")[...]
        ])
        XCTAssertEqual(ok, [bytes("{}")])
        XCTAssertEqual(
            drain([bytes("Content-Length: 2\r\nContent-Type: application/json; charset=utf8\r\n\r\n[]")[...]]),
            [bytes("[]")])

        let refusals: [(String, String)] = [
            ("Content-Type: application/json\r\n\r\n{}", "missing Content-Length"),
            ("Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}", "duplicate Content-Length"),
            ("Content-Length: two\r\n\r\n{}", "not a decimal number"),
            ("Content-Length: -2\r\n\r\n{}", "negative"),
            ("Content-Length: +2\r\n\r\n{}", "not a decimal number"),
            ("Content-Length: \r\n\r\n{}", "not a decimal number"),
            ("Content-Length 2\r\n\r\n{}", "has no ':'"),
            ("Content-Length: 2\r\nContent-Type: text/plain; charset=latin1\r\n\r\n{}", "unsupported charset"),
            ("Content-Length: 2\nX: y\r\n\r\n{}", "not a decimal number"),
        ]
        for (input, expected) in refusals {
            let error = framingError(bytes(input))
            XCTAssertEqual(error?.kind, .malformedHeader, input.debugDescription)
            XCTAssertTrue(
                error?.message.contains(expected) ?? false,
                "\(input.debugDescription): \(error?.message ?? "nil")")
        }
    }

    func testOversizeContentLengthIsRefusedFromTheHeaderAlone() {
        let limits = FramingLimits(maxMessageBytes: 1000)
        for declared in ["1001", "99999999999999999999999999"] {
            let error = framingError(bytes("Content-Length: \(declared)\r\n\r\n"), limits: limits)
            guard case .limitExceeded(let limit)? = error?.kind else {
                XCTFail("\(error as Any)")
                continue
            }
            XCTAssertEqual(limit.name, .messageBytes)
            XCTAssertEqual(limit.max, 1000)
            XCTAssertTrue(error?.message.contains("maximum message size of 1000 bytes") ?? false)
        }
    }

    func testHeaderBlockLargerThanTheLimitIsRefused() {
        let limits = FramingLimits(maxHeaderBytes: 64)
        let endless = bytes("Content-Length: 2\r\n" + String(repeating: "X-Pad: 1\r\n", count: 10))
        guard case .limitExceeded(let limit)? = framingError(endless, limits: limits)?.kind else {
            return XCTFail("expected a header limit error")
        }
        XCTAssertEqual(limit, LimitViolation(name: .headerBytes, max: 64, actual: endless.count))
    }

    func testLyingContentLength() throws {
        // Too short: the body is cut, and what is left over is not a header.
        var short = MessageFramer()
        short.append(bytes("Content-Length: 5\r\n\r\n{\"a\":1}Content-Length: 2\r\n\r\n{}"))
        let cut = try short.nextMessage()
        XCTAssertEqual(cut, bytes("{\"a\":"))
        XCTAssertThrowsError(try JSONValue.parse(cut ?? []), "the cut body is not JSON")
        XCTAssertThrowsError(try short.nextMessage()) { error in
            XCTAssertEqual((error as? FramingError)?.kind, .malformedHeader)
        }

        // Too long: the framer waits for bytes that never come, holding no more than declared.
        var long = MessageFramer()
        long.append(bytes("Content-Length: 50\r\n\r\n{}"))
        XCTAssertNil(try long.nextMessage())
        let next = bytes("Content-Length: 2\r\n\r\n{}")
        long.append(next)
        XCTAssertNil(try long.nextMessage())
        XCTAssertEqual(long.bufferedByteCount, 2 + next.count)
    }

    func testZeroLengthBodyIsReturnedAsEmpty() throws {
        var framer = MessageFramer()
        framer.append(bytes("Content-Length: 0\r\n\r\n"))
        XCTAssertEqual(try framer.nextMessage(), [])
    }

    func testEncoderOutputReadsBack() throws {
        let reply: JSONValue = ["jsonrpc": "2.0", "result": ["line\nbreak", 1.5], "id": 7]
        let body = reply.serialized()
        for framing in [Framing.contentLength, .newlineDelimited] {
            var framer = MessageFramer(framing: framing)
            framer.append(framing.frame(body) + framing.frame(body))
            XCTAssertEqual(try framer.nextMessage(), body)
            XCTAssertEqual(try framer.nextMessage(), body)
            XCTAssertNil(try framer.nextMessage())
        }
        XCTAssertEqual(
            MessageFramer().frame(bytes("{}")), Framing.newlineDelimited.frame(bytes("{}")),
            "framing unknown yet: reply as NDJSON")
        XCTAssertEqual(text(Framing.contentLength.frame(bytes("{}"))), "Content-Length: 2\r\n\r\n{}")
        XCTAssertEqual(text(Framing.newlineDelimited.frame(bytes("{}"))), "{}\n")
    }

    func testFramingErrorsBecomeRPCErrors() {
        let limit = LimitViolation(name: .messageBytes, max: 10, actual: 11)
        let tooBig = RPCError(framing: FramingError(.limitExceeded(limit), "too big"))
        XCTAssertEqual(tooBig.code, RPCError.Code.limitExceeded)
        XCTAssertEqual(tooBig.data, ["limit": "message.bytes", "max": 10, "actual": 11])
        XCTAssertEqual(
            RPCError(framing: FramingError(.malformedHeader, "bad")).code,
            RPCError.Code.parseError)
    }
}
