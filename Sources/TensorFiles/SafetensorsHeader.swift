import Foundation

/// The validated header of a `.safetensors` file: an 8-byte little-endian header length, a
/// JSON object `{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {…}}`,
/// then one data region that the offsets address (relative to its start).
///
/// The header is untrusted, and every entry is checked before anyone reads a tensor: the
/// length within the format's cap and the file; dtype a known name; shape and offsets JSON
/// integers (not `true`, not `3.0` — Foundation would bridge both to Int); offsets an
/// increasing pair inside the data region; byte length equal to shape × element size; no two
/// tensors sharing bytes. Every error names the file and the tensor.
public struct SafetensorsHeader: Sendable {
    /// The upstream format caps the header at 100 MB; a larger claim is a corrupt file, and
    /// refusing it first keeps a lying length from costing a 100 MB+ parse.
    public static let maximumHeaderBytes = 100 << 20

    /// One validated tensor entry; `begin..<end` is relative to `dataStart`.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var dtype: TensorDType
        public var shape: [Int]
        public var begin: Int
        public var end: Int

        /// Elements in the tensor (shape product; checked against the byte length already).
        public var elementCount: Int { (end - begin) / dtype.byteSize }
    }

    /// Entries sorted by offset (then name).
    public let entries: [Entry]
    /// File offset of the data region: 8 + header length.
    public let dataStart: Int

    /// Parses and validates the header of the whole file `bytes`; `path` is for messages.
    public init(parsing bytes: UnsafeRawBufferPointer, path: String) throws {
        func fail(_ reason: String) -> TensorFileError { .malformed(path: path, reason: reason) }
        guard let declared = bytes.readLE(UInt64.self, at: 0) else {
            throw fail("file is \(bytes.count) bytes, too short for the 8-byte safetensors header length")
        }
        guard declared <= UInt64(Self.maximumHeaderBytes) else {
            throw fail("header length \(declared) exceeds the \(Self.maximumHeaderBytes)-byte limit")
        }
        let headerLength = Int(declared)
        guard let headerBytes = bytes.slice(at: 8, length: headerLength) else {
            throw fail("header length \(headerLength) runs past the end of the \(bytes.count)-byte file")
        }
        let dataStart = 8 + headerLength
        let dataSize = bytes.count - dataStart
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(headerBytes))
        } catch {
            throw fail("header is not valid JSON (\(error.localizedDescription))")
        }
        guard let header = json as? [String: Any] else { throw fail("header is not a JSON object") }

        var entries: [Entry] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard value is [String: Any] else { throw fail("'__metadata__' is not a JSON object") }
                continue
            }
            entries.append(try Self.entry(name: name, value: value, dataSize: dataSize, fail: fail))
        }
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var previous: Entry?
        for entry in entries where entry.end > entry.begin {
            if let previous, entry.begin < previous.end {
                throw fail(
                    "tensor '\(entry.name)' bytes \(entry.begin)..<\(entry.end) overlap tensor '\(previous.name)' bytes \(previous.begin)..<\(previous.end)"
                )
            }
            previous = entry
        }
        self.entries = entries
        self.dataStart = dataStart
    }

    /// The bytes of `entry` inside `bytes` (the file the header was parsed from).
    public func data(of entry: Entry, in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        bytes.slice(at: dataStart + entry.begin, length: entry.end - entry.begin)
    }

    private static func entry(
        name: String, value: Any, dataSize: Int, fail: (String) -> TensorFileError
    ) throws -> Entry {
        guard let fields = value as? [String: Any] else { throw fail("tensor '\(name)': entry is not a JSON object") }
        guard let dtypeName = fields["dtype"] as? String else {
            throw fail("tensor '\(name)': 'dtype' missing or not a string")
        }
        guard let dtype = TensorDType(rawValue: dtypeName) else {
            throw fail("tensor '\(name)': unsupported dtype '\(dtypeName)'")
        }
        guard let shape = JSONNumbers.integers(fields["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
            throw fail("tensor '\(name)': 'shape' \(describe(fields["shape"])) is not a list of non-negative integers")
        }
        guard let offsets = JSONNumbers.integers(fields["data_offsets"]), offsets.count == 2 else {
            throw fail("tensor '\(name)': 'data_offsets' \(describe(fields["data_offsets"])) is not a pair of integers")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end else {
            throw fail("tensor '\(name)': 'data_offsets' [\(begin), \(end)] are not an increasing pair")
        }
        guard end <= dataSize else {
            throw fail("tensor '\(name)': 'data_offsets' end \(end) is beyond the \(dataSize)-byte data region")
        }
        guard let elements = CheckedSize.product(shape),
            let expectedBytes = CheckedSize.multiply(elements, dtype.byteSize),
            expectedBytes == end - begin
        else {
            throw fail(
                "tensor '\(name)': shape \(shape) of \(dtypeName) needs a different byte length than 'data_offsets' [\(begin), \(end)] give (\(end - begin))"
            )
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// A header value as its JSON text (`[true, 3.0]`), or `missing`, for error messages;
    /// cut at 80 characters, since a hostile header can hold a list of any length.
    private static func describe(_ value: Any?) -> String {
        guard let value else { return "missing" }
        guard JSONSerialization.isValidJSONObject([value]),
            let data = try? JSONSerialization.data(withJSONObject: [value]),
            let text = String(data: data, encoding: .utf8)
        else { return "(not JSON)" }
        let inner = text.dropFirst().dropLast()
        return inner.count <= 80 ? String(inner) : inner.prefix(80) + "…"
    }
}
