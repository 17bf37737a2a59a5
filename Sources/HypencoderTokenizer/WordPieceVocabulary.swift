/// A WordPiece vocabulary and the greedy longest-match-first algorithm that uses it.
///
/// Tokens that start with the continuation prefix `##` are stored without it in a table of their own,
/// so looking up "the rest of a word" never builds a prefixed string.
/// Tokens are compared scalar by scalar, never with `String ==` (which treats canonically equivalent
/// spellings such as "é" and "e\u{301}" as equal, unlike the reference).
struct WordPieceVocabulary: Sendable {
    /// Tokens that may start a word.
    private(set) var wordStarts: VocabularyTable
    /// Tokens that continue a word, stored without their `##`.
    private(set) var continuations: VocabularyTable
    /// The token of every id, for `token(forId:)`. An id whose token reappears later in the file
    /// (a duplicate) has no entry, as in the reference.
    let tokensById: [Int32: String]
    /// Number of distinct tokens.
    var count: Int { wordStarts.count + continuations.count }
    private(set) var unknownId: Int32
    /// Words longer than this many scalars become `[UNK]` without being split (BERT: 100).
    let maxScalarsPerWord: Int

    static let continuationPrefix = "##"

    /// `tokens` in file order; when a token occurs twice, the later id wins.
    init(tokens: [(token: String, id: Int32)], unknownToken: String, maxScalarsPerWord: Int) throws {
        var starts = VocabularyTable(expectedCount: tokens.count)
        var continuations = VocabularyTable(expectedCount: tokens.count / 4)
        let prefix = Self.continuationPrefix.unicodeScalars.map(\.value)
        for (token, id) in tokens {
            // Compare scalars, not Characters: in "##ि" the second "#" and the vowel sign form one
            // Character, so `String.hasPrefix("##")` would be false.
            let scalars = token.unicodeScalars.map(\.value)
            if scalars.starts(with: prefix) {
                continuations.insert(scalars.dropFirst(prefix.count), id: id)
            } else {
                starts.insert(scalars, id: id)
            }
        }
        self.wordStarts = starts
        self.continuations = continuations
        var byId: [Int32: String] = [:]
        for entry in starts.entries { byId[entry.id] = Self.string(entry.token) }
        for entry in continuations.entries { byId[entry.id] = Self.continuationPrefix + Self.string(entry.token) }
        self.tokensById = byId
        self.unknownId = -1
        self.maxScalarsPerWord = maxScalarsPerWord
        guard let unknownId = id(ofToken: unknownToken) else {
            throw VocabularyProblem.missingSpecialToken(unknownToken)
        }
        self.unknownId = unknownId
    }

    private static func string(_ scalars: [UInt32]) -> String {
        String(String.UnicodeScalarView(scalars.compactMap(Unicode.Scalar.init)))
    }

    /// The id of a whole token as written in the vocabulary (with its `##` if it has one).
    func id(ofToken token: String) -> Int32? {
        let scalars = token.unicodeScalars.map(\.value)
        let prefix = Self.continuationPrefix.unicodeScalars.map(\.value)
        if scalars.starts(with: prefix) {
            return Array(scalars.dropFirst(prefix.count)).withUnsafeBufferPointer { continuations.id(of: $0) }
        }
        return scalars.withUnsafeBufferPointer { wordStarts.id(of: $0) }
    }

    /// Appends the ids of `word`'s pieces to `ids`, or one `[UNK]` when the word is too long or some
    /// part of it matches no token.
    func appendPieces(of word: UnsafeBufferPointer<UInt32>, to ids: inout [Int32]) {
        if word.count > maxScalarsPerWord {
            ids.append(unknownId)
            return
        }
        let firstPiece = ids.count
        var start = 0
        while start < word.count {
            let table = start == 0 ? wordStarts : continuations
            var end = min(word.count, start + table.longestTokenLength)
            var found: Int32?
            while end > start {
                if let id = table.id(of: UnsafeBufferPointer(rebasing: word[start..<end])) {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                ids.removeSubrange(firstPiece...)
                ids.append(unknownId)
                return
            }
            ids.append(id)
            start = end
        }
    }
}

/// Why a set of tokens cannot serve as a BERT vocabulary; `WordPieceTokenizer` adds the file name.
enum VocabularyProblem: Error {
    case missingSpecialToken(String)
}
