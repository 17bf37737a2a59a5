import HypencoderRPC

/// Turns one JSONL line into a document for `index/add`. Two shapes are accepted, so a
/// BEIR collection can be indexed as it is downloaded:
///
/// - Hypencoder's own: `{"id": "d1", "text": "...", "vector": [...] or "base64", "metadata": {...}}`
///   (`text` or `vector` or both; a vector is stored as given, a text alone is encoded).
/// - BEIR `corpus.jsonl`: `{"_id": "d1", "title": "...", "text": "..."}`; the text sent is
///   `title + " " + text` (how BEIR's dense baselines join them) and the title is dropped
///   when empty.
///
/// Other members are ignored (BEIR files carry extras such as an empty `metadata`).
///
/// A BEIR document whose title and text are both empty (Cranfield has two) is skipped rather
/// than refused: a published collection must index as it is, and the caller says which ids
/// it skipped. In Hypencoder's own shape an empty text is the user's mistake and the daemon
/// refuses it, naming the line.
enum DocumentSource {
    enum Line {
        /// An empty or whitespace-only line.
        case blank
        case document(JSONValue)
        /// A BEIR document with neither title nor text: nothing to encode.
        case skippedWithoutText(id: String)
    }

    static func document(fromLine bytes: [UInt8], at location: String) throws -> Line {
        if bytes.allSatisfy({ $0 == 32 || $0 == 9 }) { return .blank }
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch {
            throw ClientError.data("\(location): not valid JSON: \(error)")
        }
        guard let object = value.objectValue else {
            throw ClientError.data("\(location): expected a JSON object, got \(value.typeDescription)")
        }
        var document = JSONObject()
        let id = try identifier(object, at: location)
        let isBEIR = object["id"] == nil && object["_id"] != nil
        document["id"] = .string(id)
        var text = try optionalString(object, "text", at: location)
        if let title = try optionalString(object, "title", at: location), !title.isEmpty {
            text = text.map { title + " " + $0 } ?? title
        }
        if isBEIR, object["vector"] == nil, text?.allSatisfy(\.isWhitespace) ?? true {
            return .skippedWithoutText(id: id)
        }
        if let text { document["text"] = .string(text) }
        if let vector = object["vector"], !vector.isNull {
            switch vector {
            case .array, .string: document["vector"] = vector
            default:
                throw ClientError.data(
                    "\(location): \"vector\" must be an array of numbers or a base64 string, got \(vector.typeDescription)")
            }
        }
        if let metadata = object["metadata"], let members = metadata.objectValue, !members.isEmpty {
            document["metadata"] = metadata
        }
        guard document["text"] != nil || document["vector"] != nil else {
            throw ClientError.data("\(location): document \"\(id)\" has neither \"text\" nor \"vector\"")
        }
        return .document(.object(document))
    }

    /// `id`, or BEIR's `_id`; integers are accepted and written as text.
    private static func identifier(_ object: JSONObject, at location: String) throws -> String {
        guard let raw = object["id"] ?? object["_id"] else {
            throw ClientError.data("\(location): missing \"id\" (or BEIR \"_id\")")
        }
        switch raw {
        case .string(let s) where !s.isEmpty: return s
        case .integer(let i): return String(i)
        default:
            throw ClientError.data("\(location): \"id\" must be a non-empty string, got \(raw.serializedString().prefix(40))")
        }
    }

    private static func optionalString(_ object: JSONObject, _ key: String, at location: String) throws -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let text = value.stringValue else {
            throw ClientError.data("\(location): \"\(key)\" must be a string, got \(value.typeDescription)")
        }
        return text
    }
}
