import Foundation

/// Reads a `.safetensors` file: 8-byte little-endian header length, a JSON header, then one
/// data region addressed by each tensor's `data_offsets`.
///
/// The header is untrusted: every entry is checked (dtype known, shape non-negative,
/// offsets inside the data region, byte length equal to shape × element size, no two
/// tensors sharing bytes) before any tensor is converted, and every error names the file
/// and the key.
enum SafetensorsReader {
    /// The upstream format caps the header at 100 MB; a larger claim is a corrupt file.
    static let maximumHeaderBytes = 100 << 20

    /// One validated header entry.
    struct Entry {
        var name: String
        var dtype: StoredDType
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    static func read(
        path: String, select: WeightFileReader.Selection = WeightFileReader.everything, integerBuffers: Bool = false
    ) throws -> WeightFileContents {
        let file = try MappedFile(path: path)
        let (entries, dataStart) = try parseHeader(file.bytes, path: path)
        let wanted = select(entries.map(\.name))
        var contents = WeightFileContents(path: path)
        for entry in entries where wanted.contains(entry.name) {
            let count = (entry.end - entry.begin) / entry.dtype.byteSize
            guard let region = file.bytes.slice(at: dataStart + entry.begin, length: entry.end - entry.begin) else {
                throw ModelError.format(path: path, reason: "tensor '\(entry.name)': data outside the file")
            }
            guard entry.dtype.isWeightType else {
                if integerBuffers && entry.dtype.isInteger {
                    contents.tensors[entry.name] = try WeightFileReader.integerTensor(
                        region, dtype: entry.dtype, shape: entry.shape, count: count, name: entry.name, path: path)
                } else {
                    contents.skipped[entry.name] = entry.dtype.rawValue
                }
                continue
            }
            let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                entry.dtype.widen(region, first: 0, count: count, into: buffer)
                initialized = count
            }
            file.discard(region)
            contents.tensors[entry.name] = Tensor(shape: entry.shape, values: values)
        }
        return contents
    }

    /// Parses and validates the header; returns the entries sorted by offset and the file
    /// offset where the data region starts.
    static func parseHeader(_ bytes: UnsafeRawBufferPointer, path: String) throws -> ([Entry], Int) {
        func fail(_ reason: String) -> ModelError { .format(path: path, reason: reason) }
        guard let declared = bytes.readLE(UInt64.self, at: 0) else {
            throw fail("file is \(bytes.count) bytes, too short for the 8-byte safetensors header length")
        }
        guard declared <= UInt64(maximumHeaderBytes) else {
            throw fail("header length \(declared) exceeds the \(maximumHeaderBytes)-byte limit")
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
            entries.append(try parseEntry(name: name, value: value, dataSize: dataSize, fail: fail))
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
        return (entries, dataStart)
    }

    private static func parseEntry(
        name: String, value: Any, dataSize: Int, fail: (String) -> ModelError
    ) throws -> Entry {
        guard let fields = value as? [String: Any] else { throw fail("tensor '\(name)': entry is not a JSON object") }
        guard let dtypeName = fields["dtype"] as? String else { throw fail("tensor '\(name)': 'dtype' missing or not a string") }
        guard let dtype = StoredDType(rawValue: dtypeName) else {
            throw fail("tensor '\(name)': unsupported dtype '\(dtypeName)'")
        }
        guard let shape = JSONNumbers.integers(fields["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
            throw fail("tensor '\(name)': 'shape' missing or not a list of non-negative integers")
        }
        guard let offsets = JSONNumbers.integers(fields["data_offsets"]), offsets.count == 2 else {
            throw fail("tensor '\(name)': 'data_offsets' missing or not a pair of integers")
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
}
