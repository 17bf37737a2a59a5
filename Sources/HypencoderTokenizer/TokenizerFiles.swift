import Foundation

/// Reads a tokenizer from a model directory laid out as Hugging Face saves one.
///
/// - Vocabulary: `vocab.txt` (one token per line, id = line number), else `tokenizer.json`'s
///   `model.vocab`. When both exist they must agree exactly: a checkpoint whose two files disagree
///   would tokenise differently depending on which loader a tool used, so we refuse it.
/// - Settings: `tokenizer.json`'s `normalizer` (what the fast tokenizer actually runs) wins;
///   otherwise `tokenizer_config.json`'s `do_lower_case`, `strip_accents`, `tokenize_chinese_chars`;
///   otherwise BERT's uncased defaults.
enum TokenizerFiles {
    static func load(directory: String) throws -> WordPieceTokenizer {
        let vocabPath = directory + "/vocab.txt"
        let tokenizerJSONPath = directory + "/tokenizer.json"
        let configPath = directory + "/tokenizer_config.json"

        var settings = Settings()
        if let config = try readJSONObject(configPath) {
            try settings.apply(tokenizerConfig: config, path: configPath)
        }
        var jsonVocabulary: [(token: String, id: Int32)]?
        if let tokenizerJSON = try readJSONObject(tokenizerJSONPath) {
            jsonVocabulary = try settings.apply(tokenizerJSON: tokenizerJSON, path: tokenizerJSONPath)
        }

        let vocabulary: [(token: String, id: Int32)]
        let source: String
        if let data = FileManager.default.contents(atPath: vocabPath) {
            vocabulary = try parseVocabTxt(data, path: vocabPath)
            source = vocabPath
            if let other = jsonVocabulary, let difference = difference(vocabulary, other) {
                throw TokenizerError.conflictingVocabularies(
                    path: vocabPath, otherPath: tokenizerJSONPath + " (model.vocab)", reason: difference)
            }
        } else if let other = jsonVocabulary {
            vocabulary = other
            source = tokenizerJSONPath
        } else {
            throw TokenizerError.missingVocabulary(path: vocabPath)
        }
        return try WordPieceTokenizer(
            tokens: vocabulary, lowercase: settings.lowercase, stripAccents: settings.stripAccents,
            splitCJKIdeographs: settings.splitCJK, maxCharactersPerWord: settings.maxCharactersPerWord,
            source: source)
    }

    /// `vocab.txt`: UTF-8, one token per line, id = line number (from 0). As in the reference's reader
    /// (Rust `tokenizers`, which `transformers.BertTokenizer` uses), lines end at `\n` only and trailing
    /// white space (including a `\r` from `\r\n`) is trimmed; a later duplicate token takes the later id.
    static func parseVocabTxt(_ data: Data, path: String) throws -> [(token: String, id: Int32)] {
        guard !data.isEmpty else { throw TokenizerError.malformedVocabulary(path: path, reason: "the file is empty") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.malformedVocabulary(path: path, reason: "the file is not valid UTF-8")
        }
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }  // the newline that ends the last line
        guard lines.count <= Int(Int32.max) else {
            throw TokenizerError.malformedVocabulary(path: path, reason: "more than \(Int32.max) lines")
        }
        return lines.enumerated().map { number, line in
            var end = line.endIndex
            while end > line.startIndex, line[line.index(before: end)].properties.isWhitespace {
                end = line.index(before: end)
            }
            return (String(String.UnicodeScalarView(line[line.startIndex..<end])), Int32(number))
        }
    }

    /// The settings `load` collects before building the tokenizer.
    struct Settings {
        var lowercase = true
        var stripAccents: Bool?
        var splitCJK = true
        var maxCharactersPerWord = 100

        mutating func apply(tokenizerConfig config: [String: Any], path: String) throws {
            if let value = config["do_lower_case"] { lowercase = try bool(value, key: "do_lower_case", path: path) }
            if let value = config["strip_accents"], !(value is NSNull) {
                stripAccents = try bool(value, key: "strip_accents", path: path)
            }
            if let value = config["tokenize_chinese_chars"] {
                splitCJK = try bool(value, key: "tokenize_chinese_chars", path: path)
            }
        }

        /// Applies `normalizer` and `model` settings; returns `model.vocab` if present.
        mutating func apply(tokenizerJSON json: [String: Any], path: String) throws -> [(token: String, id: Int32)]? {
            if let normalizer = json["normalizer"] as? [String: Any] {
                guard normalizer["type"] as? String == "BertNormalizer" else {
                    throw TokenizerError.malformedConfiguration(
                        path: path,
                        reason: "normalizer.type is \(normalizer["type"] ?? "missing"); only BertNormalizer is supported")
                }
                if let value = normalizer["clean_text"], try !bool(value, key: "normalizer.clean_text", path: path) {
                    throw TokenizerError.malformedConfiguration(
                        path: path, reason: "normalizer.clean_text is false; only true is supported")
                }
                if let value = normalizer["lowercase"] { lowercase = try bool(value, key: "normalizer.lowercase", path: path) }
                if let value = normalizer["strip_accents"] {
                    stripAccents = value is NSNull ? nil : try bool(value, key: "normalizer.strip_accents", path: path)
                }
                if let value = normalizer["handle_chinese_chars"] {
                    splitCJK = try bool(value, key: "normalizer.handle_chinese_chars", path: path)
                }
            }
            guard let model = json["model"] as? [String: Any] else { return nil }
            if let type = model["type"] as? String, type != "WordPiece" {
                throw TokenizerError.malformedConfiguration(
                    path: path, reason: "model.type is \(type); only WordPiece is supported")
            }
            if let prefix = model["continuing_subword_prefix"] as? String, prefix != "##" {
                throw TokenizerError.malformedConfiguration(
                    path: path, reason: "model.continuing_subword_prefix is \"\(prefix)\"; only \"##\" is supported")
            }
            if let unk = model["unk_token"] as? String, unk != "[UNK]" {
                throw TokenizerError.malformedConfiguration(
                    path: path, reason: "model.unk_token is \"\(unk)\"; only \"[UNK]\" is supported")
            }
            if let limit = model["max_input_chars_per_word"] {
                guard let number = limit as? Int, number >= 1 else {
                    throw TokenizerError.malformedConfiguration(
                        path: path, reason: "model.max_input_chars_per_word must be a positive integer")
                }
                maxCharactersPerWord = number
            }
            guard let rawVocab = model["vocab"] else { return nil }
            guard let entries = rawVocab as? [String: Any] else {
                throw TokenizerError.malformedVocabulary(path: path, reason: "model.vocab is not an object")
            }
            var vocabulary: [(token: String, id: Int32)] = []
            for (token, value) in entries {
                guard let number = value as? Int, let id = Int32(exactly: number), id >= 0 else {
                    throw TokenizerError.malformedVocabulary(
                        path: path, reason: "model.vocab[\"\(token)\"] is not a non-negative 32-bit integer id")
                }
                vocabulary.append((token, id))
            }
            if vocabulary.isEmpty { throw TokenizerError.malformedVocabulary(path: path, reason: "model.vocab is empty") }
            return vocabulary
        }

        private func bool(_ value: Any, key: String, path: String) throws -> Bool {
            guard let flag = value as? Bool else {
                throw TokenizerError.malformedConfiguration(path: path, reason: "\(key) must be true or false")
            }
            return flag
        }
    }

    /// The parsed top-level object of a JSON file, or nil when the file does not exist.
    private static func readJSONObject(_ path: String) throws -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TokenizerError.malformedConfiguration(path: path, reason: "not a JSON object")
        }
        return object
    }

    /// A short account of how two vocabularies differ, or nil when they are the same.
    /// Tokens are compared by their scalars, not with canonical-equivalence `String` equality.
    private static func difference(_ a: [(token: String, id: Int32)], _ b: [(token: String, id: Int32)]) -> String? {
        func byScalars(_ tokens: [(token: String, id: Int32)]) -> [[UInt32]: Int32] {
            var map: [[UInt32]: Int32] = [:]
            for entry in tokens { map[entry.token.unicodeScalars.map(\.value)] = entry.id }
            return map
        }
        let left = byScalars(a)
        let right = byScalars(b)
        if left == right { return nil }
        if left.count != right.count { return "\(left.count) distinct tokens versus \(right.count)" }
        for (scalars, id) in left.sorted(by: { $0.value < $1.value }) where right[scalars] != id {
            let token = String(String.UnicodeScalarView(scalars.compactMap(Unicode.Scalar.init)))
            let other = right[scalars].map(String.init) ?? "absent"
            return "token \"\(token)\" has id \(id) versus \(other)"
        }
        return "the token lists differ"
    }
}
