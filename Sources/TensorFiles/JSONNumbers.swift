import Foundation

/// Reads numbers out of `JSONSerialization` results without letting booleans or fractional
/// numbers pass as integers: Foundation bridges `true` to 1 and `3.0` to 3, so a plain
/// `as? Int` would accept a safetensors header with `"shape": [true, 3.0]` or a config
/// with `"num_hidden_layers": 12.0`.
public enum JSONNumbers {
    /// True for JSON `true`/`false` (an `NSNumber` of boolean type), false for everything else.
    public static func isBoolean(_ value: Any?) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return type(of: number) == type(of: NSNumber(value: true))
    }

    /// An integer written without a fraction or exponent that lands on a whole number, and
    /// small enough (below 9·10¹⁵) that the double it went through held it exactly.
    public static func integer(_ value: Any?) -> Int? {
        guard let number = value as? NSNumber, !isBoolean(number) else { return nil }
        // "3.0" and "3e0" parse to doubles; only literal integers keep an integer type.
        guard !isFloatingPoint(number) else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 9.0e15 else { return nil }
        return number.intValue
    }

    /// A JSON array whose every element passes `integer`, or nil.
    public static func integers(_ value: Any?) -> [Int]? {
        guard let list = value as? [Any] else { return nil }
        var result: [Int] = []
        result.reserveCapacity(list.count)
        for item in list {
            guard let number = integer(item) else { return nil }
            result.append(number)
        }
        return result
    }

    /// Any JSON number (integer or not) as a double; nil for booleans and non-numbers.
    public static func double(_ value: Any?) -> Double? {
        guard let number = value as? NSNumber, !isBoolean(number) else { return nil }
        return number.doubleValue
    }

    /// Whether the parser produced a floating-point number (the text had a `.` or an
    /// exponent). `objCType` is "d" or "f" for those on both Foundation implementations.
    private static func isFloatingPoint(_ number: NSNumber) -> Bool {
        let type = String(cString: number.objCType)
        return type == "d" || type == "f"
    }
}
