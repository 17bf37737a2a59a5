import Foundation
import TensorFiles

/// Typed access to one JSON object of a config file, with errors that name the full key
/// path (`query_encoder_kwargs.converter_kwargs.vector_dimensions`) and the file.
struct ConfigReader {
    let file: String
    let object: [String: Any]
    /// Dotted path of this object inside the file; empty at top level.
    let keyPath: String

    /// Parses `file` as a JSON object.
    static func open(_ file: String) throws -> ConfigReader {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ModelError.file(path: file, reason: "cannot read config file")
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ModelError.format(path: file, reason: "not valid JSON (\(error.localizedDescription))")
        }
        guard let object = json as? [String: Any] else {
            throw ModelError.format(path: file, reason: "top level is not a JSON object")
        }
        return ConfigReader(file: file, object: object, keyPath: "")
    }

    func path(_ key: String) -> String { keyPath.isEmpty ? key : "\(keyPath).\(key)" }

    func fail(_ key: String, _ reason: String) -> ModelError {
        .config(key: path(key), reason: "\(reason) (in \(file))")
    }

    private func present(_ key: String) -> Any? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        return value
    }

    /// A nested object; an absent key reads as an empty object so defaults apply.
    func object(_ key: String) throws -> ConfigReader {
        guard let value = present(key) else { return ConfigReader(file: file, object: [:], keyPath: path(key)) }
        guard let nested = value as? [String: Any] else { throw fail(key, "must be a JSON object") }
        return ConfigReader(file: file, object: nested, keyPath: path(key))
    }

    func integer(_ key: String, default defaultValue: Int? = nil, range: ClosedRange<Int>) throws -> Int {
        guard let value = present(key) else {
            guard let defaultValue else { throw fail(key, "is required") }
            // A default can be out of a range that depends on other keys (document_max_length's
            // 512 with a backbone of fewer positions): refuse it here, not in whatever uses it.
            guard range.contains(defaultValue) else {
                throw fail(
                    key,
                    "is not given, and its default \(defaultValue) is outside \(range.lowerBound)...\(range.upperBound); give a value in that range"
                )
            }
            return defaultValue
        }
        guard let number = JSONNumbers.integer(value) else { throw fail(key, "must be an integer, found \(value)") }
        guard range.contains(number) else {
            throw fail(key, "must be in \(range.lowerBound)...\(range.upperBound), found \(number)")
        }
        return number
    }

    func integers(_ key: String) throws -> [Int] {
        guard let value = present(key) else { throw fail(key, "is required") }
        guard let numbers = JSONNumbers.integers(value) else { throw fail(key, "must be a list of integers") }
        return numbers
    }

    func double(_ key: String, default defaultValue: Double) throws -> Double {
        guard let value = present(key) else { return defaultValue }
        guard let number = JSONNumbers.double(value), number.isFinite else { throw fail(key, "must be a number, found \(value)") }
        return number
    }

    func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard let value = present(key) else { return defaultValue }
        guard JSONNumbers.isBoolean(value), let flag = value as? Bool else {
            throw fail(key, "must be true or false, found \(value)")
        }
        return flag
    }

    func string(_ key: String, default defaultValue: String) throws -> String {
        guard let value = present(key) else { return defaultValue }
        guard let text = value as? String else { throw fail(key, "must be a string, found \(value)") }
        return text
    }
}
