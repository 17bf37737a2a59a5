import HypencoderRPC

/// Checks JSON values against the JSON Schema subset `Schemas/hypencoder.openrpc.json`
/// uses: type, properties, required, additionalProperties, items, min/maxItems,
/// minimum/maximum, min/maxLength, enum, const, oneOf, anyOf and local `$ref`s. Unknown
/// keywords (description, default, contentEncoding) are annotations and ignored.
/// Returns the problems found, each with the path to the offending value.
struct SchemaValidator {
    let document: JSONValue

    func validate(_ value: JSONValue, against schema: JSONValue, path: String = "$") -> [String] {
        guard case .object(let rules) = schema else { return [] }
        if let reference = rules["$ref"]?.stringValue {
            guard let target = resolve(reference) else { return ["\(path): unresolvable $ref \(reference)"] }
            return validate(value, against: target, path: path)
        }
        var problems: [String] = []
        if let type = rules["type"] {
            let allowed = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue ?? ""]
            if !allowed.contains(where: { matches(value, type: $0) }) {
                return ["\(path): expected \(allowed.joined(separator: "|")), got \(value.typeDescription)"]
            }
        }
        if let options = rules["enum"]?.arrayValue, !options.contains(value) {
            problems.append("\(path): \(value) not in enum \(options)")
        }
        if let constant = rules["const"], constant != value { problems.append("\(path): expected \(constant)") }
        if let oneOf = rules["oneOf"]?.arrayValue {
            let passing = oneOf.filter { validate(value, against: $0, path: path).isEmpty }.count
            if passing != 1 { problems.append("\(path): matches \(passing) of the oneOf schemas, expected exactly 1") }
        }
        if let anyOf = rules["anyOf"]?.arrayValue, !anyOf.contains(where: { validate(value, against: $0, path: path).isEmpty }) {
            problems.append("\(path): matches none of the anyOf schemas")
        }
        if let number = value.doubleValue {
            if let minimum = rules["minimum"]?.doubleValue, number < minimum {
                problems.append("\(path): \(number) < \(minimum)")
            }
            if let maximum = rules["maximum"]?.doubleValue, number > maximum {
                problems.append("\(path): \(number) > \(maximum)")
            }
        }
        if let text = value.stringValue {
            if let min = rules["minLength"]?.int64Value, text.count < min { problems.append("\(path): shorter than \(min)") }
            if let max = rules["maxLength"]?.int64Value, text.count > max { problems.append("\(path): longer than \(max)") }
        }
        if let elements = value.arrayValue {
            if let min = rules["minItems"]?.int64Value, elements.count < min {
                problems.append("\(path): fewer than \(min) items")
            }
            if let max = rules["maxItems"]?.int64Value, elements.count > max {
                problems.append("\(path): more than \(max) items")
            }
            if let items = rules["items"] {
                for (i, element) in elements.enumerated() { problems += validate(element, against: items, path: "\(path)[\(i)]") }
            }
        }
        if let object = value.objectValue {
            let properties = rules["properties"]?.objectValue ?? JSONObject()
            for name in rules["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where !object.contains(key: name) {
                problems.append("\(path): missing required \(name)")
            }
            for (key, member) in object {
                if let propertySchema = properties[key] {
                    problems += validate(member, against: propertySchema, path: "\(path).\(key)")
                } else if let additional = rules["additionalProperties"] {
                    if additional == .bool(false) {
                        problems.append("\(path).\(key): not allowed by the schema")
                    } else if additional.objectValue != nil {
                        problems += validate(member, against: additional, path: "\(path).\(key)")
                    }
                }
            }
        }
        return problems
    }

    private func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): return true
        case ("number", .integer), ("number", .double): return true
        case ("integer", .integer): return true
        case ("integer", .double(let d)): return d == d.rounded()
        default: return false
        }
    }

    /// `#/components/schemas/Name` and other local JSON pointers.
    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: JSONValue? = document
        for part in reference.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
        return node
    }
}
