/// The validated header of a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0):
/// `\x93NUMPY`, major and minor version bytes, the header length (u16 for version 1, u32
/// after), then a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces and a
/// newline. The data follows the header.
///
/// NumPy reads the literal with `ast.literal_eval`; this reads only the subset NumPy writes —
/// exactly the keys `descr`, `fortran_order` and `shape`, each once; a quoted string; `True`
/// or `False`; a tuple of decimal integers — and refuses everything else by name. In
/// particular `True` and `3.0` are not shape entries (Python would accept `True` as 1), a
/// header longer than `maximumHeaderBytes` is refused before it is read, and the data the
/// shape needs must lie inside the file whenever the dtype is one `TensorDType` knows.
public struct NpyHeader: Sendable, Equatable {
    /// NumPy's own `np.load` refuses longer headers by default (`max_header_size`), for the
    /// same reason: nothing it writes for a plain array comes near, and a huge one is hostile.
    public static let maximumHeaderBytes = 10_000
    public static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    public let majorVersion: Int
    public let minorVersion: Int
    /// The dtype as NumPy wrote it, e.g. `<f4`.
    public let descr: String
    /// `descr` as a tensor type; nil for a type `TensorDType` does not name (big-endian, `<c8`, …).
    public let dtype: TensorDType?
    /// True when the data is column-major.
    public let fortranOrder: Bool
    public let shape: [Int]
    /// File offset of the first data byte.
    public let dataOffset: Int
    /// The shape's product (checked not to overflow).
    public let elementCount: Int

    /// Parses and validates the header of the whole file `bytes`; `path` is for messages.
    public init(parsing bytes: UnsafeRawBufferPointer, path: String) throws {
        func fail(_ reason: String) -> TensorFileError { .malformed(path: path, reason: reason) }
        guard bytes.count >= 8 else {
            throw fail("file is \(bytes.count) bytes, too short for the 8-byte .npy preamble")
        }
        guard bytes.prefix(6).elementsEqual(Self.magic) else { throw fail("not a .npy file (bad magic)") }
        majorVersion = Int(bytes[6])
        minorVersion = Int(bytes[7])
        let lengthField: Int?
        switch majorVersion {
        case 1: lengthField = bytes.readLE(UInt16.self, at: 8).map(Int.init)
        case 2, 3: lengthField = bytes.readLE(UInt32.self, at: 8).map(Int.init)
        default: throw fail("unsupported .npy format version \(majorVersion).\(minorVersion); versions 1 to 3 are read")
        }
        guard let headerLength = lengthField else {
            throw fail("file is \(bytes.count) bytes, too short for the version \(majorVersion) header length")
        }
        let headerStart = majorVersion == 1 ? 10 : 12
        guard headerLength <= Self.maximumHeaderBytes else {
            throw fail("header length \(headerLength) exceeds the \(Self.maximumHeaderBytes)-byte limit")
        }
        guard let header = bytes.slice(at: headerStart, length: headerLength) else {
            throw fail("header length \(headerLength) runs past the end of the \(bytes.count)-byte file")
        }
        var parser = Parser(bytes: Array(header), utf8: majorVersion >= 3)
        let fields: Parser.Fields
        do { fields = try parser.dictionary() } catch let error as Parser.Failure { throw fail("header: \(error.reason)") }
        descr = fields.descr
        dtype = TensorDType(numpyDescr: fields.descr)
        fortranOrder = fields.fortranOrder
        shape = fields.shape
        dataOffset = headerStart + headerLength

        guard let elements = CheckedSize.product(shape) else {
            throw fail("shape \(Self.describe(shape)) has more elements than a 64-bit size can count")
        }
        elementCount = elements
        if let dtype {
            let available = bytes.count - dataOffset
            guard let needed = CheckedSize.multiply(elements, dtype.byteSize), needed <= available else {
                throw fail(
                    "shape \(Self.describe(shape)) of '\(descr)' needs \(CheckedSize.multiply(elements, dtype.byteSize).map(String.init) ?? "more than 2^63") data bytes; the file holds \(available) after the \(dataOffset)-byte header"
                )
            }
        }
    }

    /// A shape as Python prints it: `(3, 4)`, `(3,)`, `()`.
    public static func describe(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// A recursive-descent reader for the dict literal NumPy writes.
    private struct Parser {
        struct Failure: Error { var reason: String }
        struct Fields {
            var descr: String
            var fortranOrder: Bool
            var shape: [Int]
        }

        let bytes: [UInt8]
        /// Version 3 headers are UTF-8; 1 and 2 are Latin-1.
        let utf8: Bool
        var position = 0

        init(bytes: [UInt8], utf8: Bool) {
            self.bytes = bytes
            self.utf8 = utf8
        }

        mutating func dictionary() throws -> Fields {
            var descr: String?
            var fortranOrder: Bool?
            var shape: [Int]?
            skipSpaces()
            try expect(UInt8(ascii: "{"))
            skipSpaces()
            while peek != UInt8(ascii: "}") {
                let key = try string()
                skipSpaces()
                try expect(UInt8(ascii: ":"))
                skipSpaces()
                switch key {
                case "descr":
                    guard descr == nil else { throw Failure(reason: "key 'descr' appears twice") }
                    if peek == UInt8(ascii: "[") {
                        throw Failure(reason: "'descr' is a structured dtype (a list); only plain dtypes such as '<f4' are read")
                    }
                    guard peek == UInt8(ascii: "'") || peek == UInt8(ascii: "\"") else {
                        throw Failure(reason: "'descr' is \(token()), not a quoted dtype string")
                    }
                    descr = try string()
                case "fortran_order":
                    guard fortranOrder == nil else { throw Failure(reason: "key 'fortran_order' appears twice") }
                    fortranOrder = try boolean(key)
                case "shape":
                    guard shape == nil else { throw Failure(reason: "key 'shape' appears twice") }
                    shape = try tuple()
                default:
                    throw Failure(
                        reason: "unexpected key '\(key)'; a .npy header holds only 'descr', 'fortran_order' and 'shape'")
                }
                skipSpaces()
                guard peek == UInt8(ascii: ",") else { break }
                position += 1
                skipSpaces()
            }
            try expect(UInt8(ascii: "}"))
            // NumPy pads with spaces and ends with a newline; anything else is not its header.
            while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") { position += 1 }
            guard position == bytes.count else { throw Failure(reason: "unexpected \(token()) after the closing '}'") }
            guard let descr else { throw Failure(reason: "no 'descr'") }
            guard let fortranOrder else { throw Failure(reason: "no 'fortran_order'") }
            guard let shape else { throw Failure(reason: "no 'shape'") }
            return Fields(descr: descr, fortranOrder: fortranOrder, shape: shape)
        }

        var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipSpaces() {
            while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { position += 1 }
        }

        mutating func expect(_ byte: UInt8) throws {
            guard peek == byte else {
                throw Failure(reason: "expected '\(Character(Unicode.Scalar(byte)))' at byte \(position), found \(token())")
            }
            position += 1
        }

        /// `'…'` or `"…"` without escapes (NumPy never writes any into these three values).
        mutating func string() throws -> String {
            guard let quote = peek, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
                throw Failure(reason: "expected a quoted key at byte \(position), found \(token())")
            }
            let start = position + 1
            guard let end = bytes[start...].firstIndex(of: quote) else {
                throw Failure(reason: "unterminated string at byte \(position)")
            }
            let content = bytes[start..<end]
            guard !content.contains(UInt8(ascii: "\\")), !content.contains(UInt8(ascii: "\n")) else {
                throw Failure(reason: "escapes and line breaks in strings are not supported (byte \(position))")
            }
            position = end + 1
            if utf8 {
                guard let text = String(validating: content, as: UTF8.self) else {
                    throw Failure(reason: "string at byte \(start - 1) is not valid UTF-8")
                }
                return text
            }
            return String(content.map { Character(Unicode.Scalar($0)) })
        }

        mutating func boolean(_ key: String) throws -> Bool {
            if consume("True") { return true }
            if consume("False") { return false }
            throw Failure(reason: "'\(key)' is \(token()), not True or False")
        }

        /// `()`, `(n,)` or `(n, m, …)` with an optional trailing comma; `(n)` is an integer in
        /// Python, not a tuple, so it is refused as NumPy refuses it.
        mutating func tuple() throws -> [Int] {
            guard peek == UInt8(ascii: "(") else { throw Failure(reason: "'shape' is \(token()), not a tuple") }
            position += 1
            skipSpaces()
            var values: [Int] = []
            var trailingComma = false
            while peek != UInt8(ascii: ")") {
                values.append(try integer())
                skipSpaces()
                trailingComma = peek == UInt8(ascii: ",")
                guard trailingComma else { break }
                position += 1
                skipSpaces()
            }
            try expect(UInt8(ascii: ")"))
            if values.count == 1 && !trailingComma {
                throw Failure(
                    reason: "'shape' (\(values[0])) is an integer in parentheses, not a tuple; NumPy writes (\(values[0]),)")
            }
            return values
        }

        /// A non-negative decimal integer without leading zeros; a trailing `L` (Python 2's
        /// long, in files NumPy wrote under Python 2) is accepted and ignored. Anything else
        /// glued to the digits (`3.0`, `3e2`, `3_000`, `0x3`) is a Python number perhaps, but
        /// not an integer NumPy writes.
        mutating func integer() throws -> Int {
            let start = position
            while let byte = peek, byte.isASCIIDigit { position += 1 }
            let digits = String(decoding: bytes[start..<position], as: UTF8.self)
            if peek == UInt8(ascii: "L") { position += 1 }
            guard !digits.isEmpty,
                !(peek.map { $0.isASCIILetterOrDigit || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") } ?? false)
            else {
                position = start
                throw Failure(reason: "'shape' entry \(token()) is not a non-negative integer")
            }
            guard digits.count == 1 || !digits.hasPrefix("0") else {
                throw Failure(reason: "'shape' entry \(digits) has a leading zero")
            }
            guard let value = Int(digits) else {
                throw Failure(reason: "'shape' entry \(digits) does not fit a 64-bit integer")
            }
            return value
        }

        mutating func consume(_ word: String) -> Bool {
            let utf8 = Array(word.utf8)
            guard bytes.count - position >= utf8.count, bytes[position..<(position + utf8.count)].elementsEqual(utf8) else {
                return false
            }
            // `Trueish` is not `True`.
            if let next = bytes[(position + utf8.count)...].first, next == UInt8(ascii: "_") || next.isASCIILetterOrDigit {
                return false
            }
            position += utf8.count
            return true
        }

        /// The text from the current position up to the next delimiter, quoted, for messages.
        func token() -> String {
            let rest = bytes[position...]
            guard rest.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") }) else {
                return "the end of the header"
            }
            var end = position + 1
            while end < bytes.count, end - position < 24, !",:)}] \n".utf8.contains(bytes[end]) { end += 1 }
            return "'" + String(decoding: bytes[position..<end], as: UTF8.self) + "'"
        }
    }
}

extension UInt8 {
    fileprivate var isASCIIDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }

    fileprivate var isASCIILetterOrDigit: Bool {
        isASCIIDigit || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "z"))
            || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z"))
    }
}
