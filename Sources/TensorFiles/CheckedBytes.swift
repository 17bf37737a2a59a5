/// Overflow-checked arithmetic for sizes that come from files: a hostile shape must give an
/// error, never a trap or a wrapped-around allocation.
public enum CheckedSize {
    /// The product of `dimensions` (1 for none), or nil on a negative dimension or overflow.
    public static func product(_ dimensions: [Int]) -> Int? {
        var total = 1
        for dimension in dimensions {
            guard dimension >= 0 else { return nil }
            let (value, overflow) = total.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            total = value
        }
        return total
    }

    /// `a × b`, or nil on overflow.
    public static func multiply(_ a: Int, _ b: Int) -> Int? {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : value
    }
}

/// Checked little-endian reads from a byte buffer (usually a `MappedFile`): every read that
/// would leave the buffer returns nil, so hostile offsets become errors, never
/// out-of-bounds loads.
extension UnsafeRawBufferPointer {
    /// The `T` stored little-endian at `offset` (any alignment), or nil when it does not fit.
    public func readLE<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T? {
        guard offset >= 0, offset <= count - MemoryLayout<T>.size, let base = baseAddress else { return nil }
        return T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// The sub-range `offset ..< offset + length`, or nil when it does not fit.
    public func slice(at offset: Int, length: Int) -> UnsafeRawBufferPointer? {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else { return nil }
        guard let base = baseAddress else { return length == 0 ? self : nil }
        return UnsafeRawBufferPointer(start: base + offset, count: length)
    }
}
