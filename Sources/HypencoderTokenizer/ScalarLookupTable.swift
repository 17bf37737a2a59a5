/// Precomputed answers for every scalar of the Basic Multilingual Plane, so that the common non-ASCII
/// scalar costs one array read instead of several Unicode property lookups and a decomposition.
///
/// It only caches what does not depend on context: a scalar is deleted, is white space, or becomes
/// exactly one scalar (after accent stripping and lower-casing) that is or is not punctuation.
/// Everything else (expansions like "ǅ" → "dž", combining marks that need canonical ordering,
/// scalars stripped away entirely) is marked `.slowPath`, and `BasicTokenizer` computes it directly.
/// One table per (lowercase, strip accents) pair, built on first use and shared by all tokenizers.
struct ScalarLookupTable: Sendable {
    enum Kind: UInt32 {
        case slowPath = 0
        case deleted, whitespace, letter, punctuation, cjkIdeograph
    }

    /// `kind << 24 | output scalar`.
    private let entries: [UInt32]

    @inline(__always)
    func lookup(_ value: UInt32) -> (kind: Kind, output: UInt32) {
        let entry = entries[Int(value)]
        return (Kind(rawValue: entry >> 24) ?? .slowPath, entry & 0x1F_FFFF)
    }

    static let lowercaseStrip = ScalarLookupTable(lowercase: true, stripAccents: true)
    static let lowercaseOnly = ScalarLookupTable(lowercase: true, stripAccents: false)
    static let stripOnly = ScalarLookupTable(lowercase: false, stripAccents: true)
    static let unchanged = ScalarLookupTable(lowercase: false, stripAccents: false)

    static func shared(lowercase: Bool, stripAccents: Bool) -> ScalarLookupTable {
        switch (lowercase, stripAccents) {
        case (true, true): return lowercaseStrip
        case (true, false): return lowercaseOnly
        case (false, true): return stripOnly
        case (false, false): return unchanged
        }
    }

    private init(lowercase: Bool, stripAccents: Bool) {
        var entries = [UInt32](repeating: 0, count: 0x10000)
        for value in UInt32(0)..<0x10000 {
            guard let scalar = Unicode.Scalar(value) else { continue }  // surrogates stay `.slowPath`
            let kind: Kind
            var output: UInt32 = 0
            if ReferenceCharacterClasses.isDeletedByCleaning(scalar) {
                kind = .deleted
            } else if ReferenceCharacterClasses.isWhitespace(scalar) {
                kind = .whitespace
            } else if let single = Self.singleOutput(of: scalar, lowercase: lowercase, stripAccents: stripAccents) {
                output = single.value
                if ReferenceCharacterClasses.isCJKIdeograph(value) {
                    kind = .cjkIdeograph
                } else if ReferenceCharacterClasses.isPunctuation(single) {
                    kind = .punctuation
                } else {
                    kind = .letter
                }
            } else {
                kind = .slowPath
            }
            entries[Int(value)] = kind.rawValue << 24 | output
        }
        self.entries = entries
    }

    /// The one scalar that `scalar` normalises to, when it is exactly one, nothing was stripped that
    /// could matter to canonical ordering, and the result is not itself a combining mark.
    private static func singleOutput(of scalar: Unicode.Scalar, lowercase: Bool, stripAccents: Bool) -> Unicode.Scalar? {
        var parts: [Unicode.Scalar] = [scalar]
        if stripAccents && scalar.value >= 0xC0 && ReferenceCharacterClasses.isKnownToReference(scalar) {
            parts = []
            for part in BasicTokenizer.canonicalDecomposition(of: scalar) {
                if ReferenceCharacterClasses.isNonspacingMark(part) {
                    if part.properties.canonicalCombiningClass.rawValue == 0 { return nil }
                    continue
                }
                parts.append(part)
            }
        }
        guard parts.count == 1, var result = parts.first else { return nil }
        if lowercase && result.properties.changesWhenLowercased {
            let lowered = Array(result.properties.lowercaseMapping.unicodeScalars)
            guard lowered.count == 1 else { return nil }
            result = lowered[0]
        }
        if result.properties.canonicalCombiningClass.rawValue != 0 { return nil }
        return result
    }
}
