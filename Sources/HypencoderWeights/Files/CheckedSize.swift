/// Overflow-checked arithmetic for sizes that come from files: a hostile shape must give
/// an error, never a trap or a wrapped-around allocation.
enum CheckedSize {
    /// The product of `dimensions`, or nil on a negative dimension or overflow.
    static func product(_ dimensions: [Int]) -> Int? {
        var total = 1
        for dimension in dimensions {
            guard dimension >= 0 else { return nil }
            let (value, overflow) = total.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            total = value
        }
        return total
    }

    static func multiply(_ a: Int, _ b: Int) -> Int? {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : value
    }
}
