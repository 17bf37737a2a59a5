/// BERT's uncased WordPiece tokenizer, giving the same ids as Hugging Face's `BertTokenizer`.
///
/// "The same" means the Rust `tokenizers` pipeline that `transformers.BertTokenizer` runs (and that
/// the released Hypencoder and MiniLM models were trained with), checked against
/// `Tests/Fixtures/tokenizer/cases.json`, which `Tools/reference/make_tokenizer_cases.py` produces.
/// The pipeline: special-token spans (`[CLS]`, `[SEP]`, … written literally in the text) are kept whole;
/// the rest goes through `BasicTokenizer` (clean, split CJK, strip accents, lower-case, split on white
/// space and punctuation) and then greedy longest-match WordPiece. `encode` wraps the result in
/// `[CLS] … [SEP]`.
///
/// The value is immutable and `Sendable`: share one instance between threads.
public struct WordPieceTokenizer: Sendable {
    public let padId: Int32
    public let clsId: Int32
    public let sepId: Int32
    public let unkId: Int32

    /// The settings in force (read from `tokenizer.json` / `tokenizer_config.json` by `load`).
    public var lowercases: Bool { basic.lowercases }
    public var stripsAccents: Bool { basic.stripsAccents }
    public var splitsCJKIdeographs: Bool { basic.splitsCJKIdeographs }
    /// Number of distinct tokens.
    public var vocabularySize: Int { vocabulary.count }

    let basic: BasicTokenizer
    let vocabulary: WordPieceVocabulary
    let specialTokens: SpecialTokenMatcher

    /// Builds a tokenizer from a token → id map.
    ///
    /// - Parameters:
    ///   - stripAccents: nil follows `lowercase`, as in BERT.
    ///   - source: names the vocabulary in error messages (a file path when loading from disk).
    /// - Throws: `TokenizerError.malformedVocabulary` if `[PAD]`, `[UNK]`, `[CLS]` or `[SEP]` is missing,
    ///   or `maxCharactersPerWord` is below 1.
    public init(
        vocabulary: [String: Int32], lowercase: Bool = true, stripAccents: Bool? = nil,
        splitCJKIdeographs: Bool = true, maxCharactersPerWord: Int = 100,
        source: String = "<vocabulary>"
    ) throws {
        try self.init(
            tokens: vocabulary.map { (token: $0.key, id: $0.value) }, lowercase: lowercase,
            stripAccents: stripAccents, splitCJKIdeographs: splitCJKIdeographs,
            maxCharactersPerWord: maxCharactersPerWord, source: source)
    }

    /// The designated initialiser: `tokens` in file order, so a later duplicate wins as in Hugging Face.
    init(
        tokens: [(token: String, id: Int32)], lowercase: Bool, stripAccents: Bool?,
        splitCJKIdeographs: Bool, maxCharactersPerWord: Int, source: String
    ) throws {
        if tokens.isEmpty { throw TokenizerError.malformedVocabulary(path: source, reason: "it has no tokens") }
        guard maxCharactersPerWord >= 1 else {
            throw TokenizerError.malformedVocabulary(
                path: source, reason: "max_input_chars_per_word is \(maxCharactersPerWord); it must be at least 1")
        }
        let vocabulary: WordPieceVocabulary
        do {
            vocabulary = try WordPieceVocabulary(
                tokens: tokens, unknownToken: "[UNK]", maxScalarsPerWord: maxCharactersPerWord)
        } catch {
            throw TokenizerError.malformedVocabulary(path: source, reason: "it has no [UNK] token")
        }
        func id(_ token: String) throws -> Int32 {
            guard let id = vocabulary.id(ofToken: token) else {
                throw TokenizerError.malformedVocabulary(path: source, reason: "it has no \(token) token")
            }
            return id
        }
        padId = try id("[PAD]")
        unkId = try id("[UNK]")
        clsId = try id("[CLS]")
        sepId = try id("[SEP]")
        self.vocabulary = vocabulary
        basic = BasicTokenizer(
            lowercases: lowercase, stripsAccents: stripAccents ?? lowercase,
            splitsCJKIdeographs: splitCJKIdeographs, reorderingLimit: maxCharactersPerWord)
        let specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { token in
            vocabulary.id(ofToken: token).map { (token, $0) }
        }
        specialTokens = SpecialTokenMatcher(tokens: specials)
    }

    /// Reads `vocab.txt` (or `tokenizer.json`'s `model.vocab` when there is no `vocab.txt`) and the
    /// settings in `tokenizer.json` / `tokenizer_config.json` from `directory`. See `TokenizerFiles`.
    public static func load(directory: String) throws -> WordPieceTokenizer {
        try TokenizerFiles.load(directory: directory)
    }

    /// The word-piece ids of `text`, without `[CLS]`/`[SEP]` and without truncation.
    public func wordPieceIds(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        appendIds(of: text, to: &ids, limit: Int.max)
        return ids
    }

    /// The word-piece tokens of `text` as strings (`"##"`-prefixed for continuations); for inspection.
    public func tokenize(_ text: String) -> [String] {
        wordPieceIds(text).map { token(forId: $0) ?? "[UNK]" }
    }

    /// `[CLS] pieces… [SEP]`, truncated so the whole is at most `maxLength` ids.
    ///
    /// Truncation keeps the first `maxLength - 2` pieces, as Hugging Face's `truncation=True` does.
    /// A `maxLength` below 2 cannot hold `[CLS]` and `[SEP]`; it is treated as 2 (the result is
    /// `[CLS, SEP]`) rather than trapping, because the length may come from a client request.
    public func encode(_ text: String, maxLength: Int) -> [Int32] {
        let limit = max(maxLength, 2)
        var ids: [Int32] = [clsId]
        ids.reserveCapacity(min(limit, text.utf8.count / 3 + 8))
        appendIds(of: text, to: &ids, limit: limit - 1)
        ids.append(sepId)
        return ids
    }

    /// `encode` for each text.
    public func encode(batch texts: [String], maxLength: Int) -> [[Int32]] {
        texts.map { encode($0, maxLength: maxLength) }
    }

    /// The token spelled by `id`, or nil when the vocabulary has no such id.
    public func token(forId id: Int32) -> String? {
        vocabulary.tokensById[id]
    }

    /// Appends ids until `ids.count` reaches `limit`; stops reading the text as soon as it does.
    private func appendIds(of text: String, to ids: inout [Int32], limit: Int) {
        guard ids.count < limit else { return }
        var full = false
        specialTokens.forEachSegment(of: text) { segment in
            switch segment {
            case .special(let id):
                ids.append(id)
            case .text(let range):
                basic.forEachWord(in: text.unicodeScalars[range]) { word in
                    vocabulary.appendPieces(of: word, to: &ids)
                    return ids.count < limit
                }
            }
            full = ids.count >= limit
            return !full
        }
        if ids.count > limit { ids.removeSubrange(limit...) }
    }
}

/// Errors from building or loading a tokenizer. Each names the file (or vocabulary source) at fault.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case missingVocabulary(path: String)
    case malformedVocabulary(path: String, reason: String)
    /// `vocab.txt` and `tokenizer.json`'s `model.vocab` both exist and do not agree.
    case conflictingVocabularies(path: String, otherPath: String, reason: String)
    /// A settings file exists but cannot be read, or asks for something this tokenizer does not do.
    case malformedConfiguration(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingVocabulary(let path):
            return "\(path): vocabulary file not found"
        case .malformedVocabulary(let path, let reason):
            return "\(path): malformed vocabulary: \(reason)"
        case .conflictingVocabularies(let path, let otherPath, let reason):
            return "\(path) and \(otherPath) disagree: \(reason)"
        case .malformedConfiguration(let path, let reason):
            return "\(path): unusable tokenizer settings: \(reason)"
        }
    }
}
