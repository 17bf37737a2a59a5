@_spi(_Unicode) import Swift

/// BERT's "basic tokenizer": cleans and normalises text and cuts it into words, before WordPiece.
///
/// The steps, in the reference's order (Hugging Face `BertNormalizer` then `BertPreTokenizer`):
/// 1. clean: delete U+0000, U+FFFD and control/format characters; every white-space character becomes a break;
/// 2. put breaks around CJK ideographs, so each is a word of its own (if `splitsCJKIdeographs`);
/// 3. strip accents: canonical decomposition (NFD), then delete non-spacing marks (if `stripsAccents`);
/// 4. lower-case each scalar with its full, context-free mapping (if `lowercases`). This is Rust's
///    `char::to_lowercase`, not Python's `str.lower`: a final capital sigma becomes σ, never ς;
/// 5. break at white space, and make every punctuation scalar a word of its own.
///
/// It works on Unicode scalars, never on `Character`s, and ASCII takes a short path, because this runs
/// over every document the service indexes.
struct BasicTokenizer: Sendable {
    var lowercases = true
    var stripsAccents = true
    var splitsCJKIdeographs = true
    /// Words longer than this become `[UNK]` whatever their order, so their marks are not reordered.
    /// This keeps canonical ordering linear on hostile input (long runs of combining marks).
    var reorderingLimit = Int.max

    /// Calls `body` with each word's scalars, in order, until `body` returns false.
    /// The buffer is only valid during the call.
    func forEachWord(in text: String, _ body: (UnsafeBufferPointer<UInt32>) -> Bool) {
        forEachWord(in: text.unicodeScalars[...], body)
    }

    /// `forEachWord(in:_:)` for a slice of a string.
    func forEachWord(in text: Substring.UnicodeScalarView, _ body: (UnsafeBufferPointer<UInt32>) -> Bool) {
        var word: [UInt32] = []
        word.reserveCapacity(128)
        var markRunStart = 0  // where the current run of combining marks (non-zero class) begins in `word`
        var stopped = false

        /// Hands the current word to `body`; returns false once `body` asked to stop.
        func flush() -> Bool {
            if stopped { return false }
            if !word.isEmpty {
                stopped = !word.withUnsafeBufferPointer(body)
                word.removeAll(keepingCapacity: true)
            }
            markRunStart = 0
            return !stopped
        }

        /// Appends one normalised scalar: punctuation becomes its own word, anything else extends the word.
        func appendNormalized(_ scalar: Unicode.Scalar) -> Bool {
            if ReferenceCharacterClasses.isPunctuation(scalar) {
                guard flush() else { return false }
                word.append(scalar.value)
                return flush()
            }
            // Only accent stripping decomposes (NFD), so only then are marks put in canonical order.
            let reorders = stripsAccents && scalar.value >= 0x300 && word.count <= reorderingLimit
            let combiningClass = reorders ? scalar.properties.canonicalCombiningClass.rawValue : 0
            if combiningClass == 0 {
                word.append(scalar.value)
                markRunStart = word.count
            } else {
                // Canonical ordering (part of NFD): a mark moves before earlier marks of a higher class.
                var position = word.count
                while position > markRunStart,
                    let previous = Unicode.Scalar(word[position - 1]),
                    previous.properties.canonicalCombiningClass.rawValue > combiningClass
                {
                    position -= 1
                }
                word.insert(scalar.value, at: position)
            }
            return true
        }

        /// Accent stripping and lower-casing of one scalar that survived cleaning.
        func appendNormalizing(_ scalar: Unicode.Scalar) -> Bool {
            if stripsAccents && scalar.value >= 0xC0 && ReferenceCharacterClasses.isKnownToReference(scalar) {
                for part in Self.canonicalDecomposition(of: scalar) {
                    if ReferenceCharacterClasses.isNonspacingMark(part) {
                        if part.properties.canonicalCombiningClass.rawValue == 0 { markRunStart = word.count }
                        continue
                    }
                    guard appendLowercased(part) else { return false }
                }
                return true
            }
            return appendLowercased(scalar)
        }

        func appendLowercased(_ scalar: Unicode.Scalar) -> Bool {
            guard lowercases && scalar.properties.changesWhenLowercased else { return appendNormalized(scalar) }
            for lower in scalar.properties.lowercaseMapping.unicodeScalars {
                guard appendNormalized(lower) else { return false }
            }
            return true
        }

        let table = ScalarLookupTable.shared(lowercase: lowercases, stripAccents: stripsAccents)
        for scalar in text {
            let value = scalar.value
            if value < 0x80 {
                let byte = UInt8(value)
                if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                    guard flush() else { return }
                } else if byte < 0x20 || byte == 0x7F {
                    continue  // control characters are deleted
                } else if ReferenceCharacterClasses.isASCIIPunctuation(byte) {
                    guard flush() else { return }
                    word.append(value)
                    guard flush() else { return }
                } else {
                    word.append(lowercases && byte >= 0x41 && byte <= 0x5A ? value + 0x20 : value)
                    markRunStart = word.count
                }
                continue
            }
            if value < 0x10000 {
                let (kind, output) = table.lookup(value)
                switch kind {
                case .deleted:
                    continue
                case .whitespace:
                    guard flush() else { return }
                    continue
                case .letter:
                    word.append(output)
                    markRunStart = word.count
                    continue
                case .punctuation:
                    guard flush() else { return }
                    word.append(output)
                    guard flush() else { return }
                    continue
                case .cjkIdeograph where splitsCJKIdeographs:
                    guard flush() else { return }
                    word.append(output)
                    guard flush() else { return }
                    continue
                case .cjkIdeograph:
                    word.append(output)
                    markRunStart = word.count
                    continue
                case .slowPath:
                    break
                }
            }
            if ReferenceCharacterClasses.isDeletedByCleaning(scalar) { continue }
            if ReferenceCharacterClasses.isWhitespace(scalar) {
                guard flush() else { return }
            } else if splitsCJKIdeographs && ReferenceCharacterClasses.isCJKIdeograph(value) {
                guard flush(), appendNormalizing(scalar), flush() else { return }
            } else {
                guard appendNormalizing(scalar) else { return }
            }
        }
        _ = flush()
    }

    /// The canonical decomposition (NFD) of one scalar, from the standard library's Unicode tables.
    /// `_nfd` is standard-library SPI; Foundation's public equivalent allocates an NSString per call,
    /// which made non-Latin text several times slower.
    static func canonicalDecomposition(of scalar: Unicode.Scalar) -> Unicode._NFD {
        String(scalar)._nfd
    }
}
