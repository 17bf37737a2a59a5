/// The character classes BERT's tokenizer uses, answered the way the reference implementation answers them.
///
/// Hugging Face's `BertTokenizer` (transformers 5 and every fast tokenizer before it) runs the Rust
/// `tokenizers` pipeline. That pipeline asks three questions with the old `unicode_categories` crate,
/// whose tables are Unicode 8.0: "is this a control/format character?", "is this punctuation?" and
/// "is this a non-spacing mark?". It asks the other questions (white space, lower-case mapping,
/// canonical decomposition) with newer tables that agree with Swift's. To produce identical token ids
/// we therefore view general categories as of Unicode 8.0: a scalar assigned later counts as unassigned,
/// and the handful of scalars whose category changed since then get their old category back.
/// `Tests/Fixtures/tokenizer/scalar_digests.json` checks every code point against the reference.
enum ReferenceCharacterClasses {
    /// The Unicode version of the reference's category tables.
    static let categoryTablesMajorVersion = 8

    /// True when the reference tables knew `scalar` (it was assigned in Unicode 8.0 or earlier).
    @inline(__always)
    static func isKnownToReference(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major <= categoryTablesMajorVersion
    }

    /// Control and format characters (general category C*) other than tab, newline and carriage return,
    /// plus U+0000 and U+FFFD: the text cleaner deletes these.
    static func isDeletedByCleaning(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value == 0 || value == 0xFFFD { return true }
        if value == 0x09 || value == 0x0A || value == 0x0D { return false }
        guard isKnownToReference(scalar) else { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse: return true
        default: return false
        }
    }

    /// White space: tab, newline, carriage return and the Unicode `White_Space` property (this one the
    /// reference takes from Rust's standard library, which is current).
    @inline(__always)
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return value == 0x20 || value == 0x09 || value == 0x0A || value == 0x0D }
        return scalar.properties.isWhitespace
    }

    /// Punctuation: every ASCII symbol BERT treats as punctuation (`!`…`/`, `:`…`@`, `[`…`` ` ``,
    /// `{`…`~`, which includes symbols such as `$` and `^` that Unicode calls S*) or general category P*.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return isASCIIPunctuation(UInt8(value)) }
        if value == 0x166D || value == 0x111C9 { return true }  // Po in Unicode 8.0, since recategorised
        guard isKnownToReference(scalar) else { return false }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    @inline(__always)
    static func isASCIIPunctuation(_ byte: UInt8) -> Bool {
        (33...47).contains(byte) || (58...64).contains(byte) || (91...96).contains(byte) || (123...126).contains(byte)
    }

    /// Non-spacing marks (Mn), the "accents" that accent stripping deletes after decomposition.
    static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1734, 0x1171E: return true  // Mn in 8.0, Mc today
        case 0x1885, 0x1886, 0xA9BD, 0x111C9: return false  // not Mn in 8.0, Mn today
        default: break
        }
        guard isKnownToReference(scalar) else { return false }
        return scalar.properties.generalCategory == .nonspacingMark
    }

    /// The code-point blocks BERT calls "Chinese characters": CJK Unified Ideographs and Extensions A–E,
    /// CJK Compatibility Ideographs and their supplement. (Hangul, kana and CJK punctuation are not in it.)
    /// Extension E starts at U+2B920 here, not at U+2B820 as in Google's original BERT: the reference
    /// (Rust `tokenizers`) has that range, so U+2B820…U+2B91F are ordinary letters to it, and to us.
    static func isCJKIdeograph(_ value: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value)
            || (0x20000...0x2A6DF).contains(value) || (0x2A700...0x2B73F).contains(value)
            || (0x2B740...0x2B81F).contains(value) || (0x2B920...0x2CEAF).contains(value)
            || (0xF900...0xFAFF).contains(value) || (0x2F800...0x2FA1F).contains(value)
    }
}
