/// `MessageFramer` cuts one connection's incoming byte stream into message bodies.
///
/// Feed it whatever the socket delivered (`append`), then call `nextMessage()` until it
/// returns `nil`. Chunks can split messages anywhere, including inside a header or a
/// multi-byte character, and one chunk can carry many messages.
///
/// Framing is chosen from the first non-whitespace byte of the connection: `C` or `c` (the
/// start of `Content-Length` or `Content-Type`) selects the LSP base protocol; `{` or `[`
/// selects newline-delimited JSON; anything else is refused at once (so a person typing
/// garbage into the socket gets an answer instead of a wait). See `Framing`.
///
/// Memory and time are bounded for hostile peers:
/// - a body is never buffered past `maxMessageBytes`: a Content-Length over the limit is
///   refused when the header arrives, and an NDJSON line is refused as soon as the bytes
///   buffered without a newline pass the limit;
/// - each byte is searched for a delimiter once (`scanOffset` remembers how far the last
///   search got), so a large message fed in small chunks costs O(n), not O(n²);
/// - consumed bytes are dropped from the front of the buffer in amortised O(1).
///
/// Errors are sticky: after a `FramingError` the stream position is unknown, so every later
/// call throws the same error. Reply once and close the connection.
public struct MessageFramer: Sendable {
    public let limits: FramingLimits
    /// The connection's framing, known once its first non-whitespace byte has arrived.
    public private(set) var framing: Framing?

    private var buffer: [UInt8] = []
    /// Index of the first byte not yet consumed.
    private var start = 0
    /// Bytes before this index (and at or after `start`) contain no delimiter.
    private var scanOffset = 0
    /// LSP only: the body length from a header block already consumed.
    private var pendingBodyLength: Int?
    private var failure: FramingError?

    public init(limits: FramingLimits = FramingLimits(), framing: Framing? = nil) {
        self.limits = limits
        self.framing = framing
    }

    /// Bytes received but not yet returned as messages.
    public var bufferedByteCount: Int { buffer.count - start }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Wraps a reply in this connection's framing. Before the framing is known (e.g. when
    /// replying to an unrecognisable first byte) newline-delimited is used, which a person
    /// at a terminal can read.
    public func frame(_ body: [UInt8]) -> [UInt8] {
        (framing ?? .newlineDelimited).frame(body)
    }

    /// The next complete message body, or `nil` if more bytes are needed.
    public mutating func nextMessage() throws -> [UInt8]? {
        if let failure { throw failure }
        do {
            return try extractMessage()
        } catch let error as FramingError {
            failure = error
            throw error
        }
    }

    private mutating func extractMessage() throws -> [UInt8]? {
        if framing == nil {
            skipWhitespace()
            guard start < buffer.count else { return nil }
            framing = try detectFraming(buffer[start])
        }
        switch framing {
        case .contentLength: return try nextContentLengthMessage()
        case .newlineDelimited, .none: return try nextLine()
        }
    }

    private func detectFraming(_ byte: UInt8) throws -> Framing {
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            return .newlineDelimited
        case UInt8(ascii: "C"), UInt8(ascii: "c"):
            // Content-Length or Content-Type, the only headers the base protocol defines.
            return .contentLength
        default:
            throw FramingError(
                .unrecognizedFraming,
                "unrecognised framing: first byte 0x\(String(byte, radix: 16)); expected a "
                    + "'Content-Length:' header or a JSON object/array on one line")
        }
    }

    // MARK: Newline-delimited JSON

    private mutating func nextLine() throws -> [UInt8]? {
        let max = limits.maxMessageBytes
        while true {
            scanOffset = Swift.max(scanOffset, start)
            guard let newline = buffer[scanOffset...].firstIndex(of: UInt8(ascii: "\n")) else {
                scanOffset = buffer.count
                let pending = buffer.count - start
                // A line may be max bytes plus the "\r" of a "\r\n" ending.
                let allowed = buffer.last == 0x0D ? max + 1 : max
                if pending > allowed { throw lineTooLong(pending) }
                return nil
            }
            var end = newline
            if end > start, buffer[end - 1] == 0x0D { end -= 1 }
            let lineStart = start
            start = newline + 1
            scanOffset = start
            // The length first, blank or not: a long run of white space arriving before its
            // newline is refused above, so refusing it here too keeps the outcome independent
            // of how the bytes were split (found by the `framing` fuzz target).
            if end - lineStart > max { throw lineTooLong(end - lineStart) }
            if buffer[lineStart..<end].allSatisfy(isWhitespace) { continue }  // blank line
            return Array(buffer[lineStart..<end])
        }
    }

    private func lineTooLong(_ length: Int) -> FramingError {
        let max = limits.maxMessageBytes
        return FramingError(
            .limitExceeded(LimitViolation(name: .messageBytes, max: max, actual: length)),
            "message line longer than the maximum message size of \(max) bytes "
                + "(\(length) bytes without a newline)")
    }

    // MARK: LSP base protocol

    private mutating func nextContentLengthMessage() throws -> [UInt8]? {
        if pendingBodyLength == nil {
            // Tolerate stray line breaks between messages (some clients end bodies with one).
            skipWhitespace()
            guard let headerEnd = findHeaderTerminator() else {
                let pending = buffer.count - start
                if pending > limits.maxHeaderBytes { throw headerTooLarge(pending) }
                return nil
            }
            let blockLength = headerEnd + 4 - start
            if blockLength > limits.maxHeaderBytes { throw headerTooLarge(blockLength) }
            pendingBodyLength = try ContentLengthHeader.bodyLength(
                headerBlock: buffer[start..<headerEnd], limits: limits)
            start = headerEnd + 4
            scanOffset = start
        }
        guard let length = pendingBodyLength, buffer.count - start >= length else { return nil }
        let body = Array(buffer[start..<start + length])
        start += length
        scanOffset = start
        pendingBodyLength = nil
        return body
    }

    /// Index of the "\r\n\r\n" ending the header block, searching only bytes not yet seen
    /// (backing up 3 so a terminator split across chunks is still found).
    private mutating func findHeaderTerminator() -> Int? {
        var i = Swift.max(start, scanOffset - 3)
        while i + 3 < buffer.count {
            if buffer[i] == 0x0D, buffer[i + 1] == 0x0A, buffer[i + 2] == 0x0D,
                buffer[i + 3] == 0x0A
            {
                return i
            }
            i += 1
        }
        scanOffset = buffer.count
        return nil
    }

    private func headerTooLarge(_ length: Int) -> FramingError {
        let max = limits.maxHeaderBytes
        return FramingError(
            .limitExceeded(LimitViolation(name: .headerBytes, max: max, actual: length)),
            "header block longer than the maximum header size of \(max) bytes")
    }

    // MARK: Buffer housekeeping

    private mutating func skipWhitespace() {
        while start < buffer.count, isWhitespace(buffer[start]) { start += 1 }
    }

    private func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    /// Drops consumed bytes once they are at least half the buffer, so each byte is moved
    /// at most a constant number of times on average.
    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
            scanOffset = 0
            start = 0
        } else if start > 4096, start >= buffer.count / 2 {
            buffer.removeSubrange(0..<start)
            scanOffset = Swift.max(0, scanOffset - start)
            start = 0
        }
    }
}
