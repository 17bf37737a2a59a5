/// BERT's uncased WordPiece tokenizer.
///
/// INTERFACE STUB: the tokenizer work fills this in; the names here are the contract.
public struct WordPieceTokenizer: Sendable {
    public let padId: Int32
    public let clsId: Int32
    public let sepId: Int32
    public let unkId: Int32

    /// Reads `vocab.txt` (and `tokenizer_config.json` / `tokenizer.json` where present).
    public static func load(directory: String) throws -> WordPieceTokenizer {
        throw TokenizerError.missingVocabulary(path: directory + "/vocab.txt")
    }

    /// `[CLS] pieces… [SEP]`, truncated so the whole is at most `maxLength` ids.
    public func encode(_ text: String, maxLength: Int) -> [Int32] {
        [clsId, sepId]
    }
}

public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case missingVocabulary(path: String)
    case malformedVocabulary(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingVocabulary(let path): return "\(path): vocabulary file not found"
        case .malformedVocabulary(let path, let reason): return "\(path): malformed vocabulary: \(reason)"
        }
    }
}
