import Foundation
import TensorFiles

/// A frozen view of the vector matrix: rows `0..<count`, each `dimension` components in
/// `storage` format. Rows below `count` are never written again (the store is append-only;
/// replacing a document appends a new row), so any number of threads may read a view while
/// the writer appends behind it.
struct VectorRows: @unchecked Sendable {
    /// A contiguous run of rows inside one mapped region.
    struct Segment {
        let region: MappedFile
        let rows: UnsafeMutableRawPointer
        let firstSlot: Int
        let capacity: Int
    }

    let dimension: Int
    let storage: VectorStorageType
    let segments: [Segment]
    let count: Int

    var rowBytes: Int { dimension * storage.byteWidth }

    private func location(of slot: Int) -> (Segment, Int)? {
        guard slot >= 0, slot < count else { return nil }
        // Segments are few (one per tens of megabytes), so a linear scan from the end is fine.
        for segment in segments.reversed() where slot >= segment.firstSlot {
            return (segment, slot - segment.firstSlot)
        }
        return nil
    }

    /// Widens row `slot` into `destination` (`dimension` floats). Returns false if out of range.
    @discardableResult
    func copyRow(_ slot: Int, into destination: UnsafeMutablePointer<Float>) -> Bool {
        guard let (segment, row) = location(of: slot) else { return false }
        storage.decode(segment.rows + row * rowBytes, count: dimension, into: destination)
        return true
    }

    /// Copies row `slot` as stored (`rowBytes` bytes) to `destination`. Returns false if out of range.
    @discardableResult
    func copyStoredRow(_ slot: Int, into destination: UnsafeMutableRawPointer) -> Bool {
        guard let (segment, row) = location(of: slot) else { return false }
        destination.copyMemory(from: segment.rows + row * rowBytes, byteCount: rowBytes)
        return true
    }

    /// Row `slot` in place when the storage is f32 (nil otherwise or out of range): lets the
    /// neighbour graph compute distances without copying rows.
    func float32Row(_ slot: Int) -> UnsafePointer<Float>? {
        guard storage == .float32, let (segment, row) = location(of: slot) else { return nil }
        return UnsafePointer((segment.rows + row * rowBytes).assumingMemoryBound(to: Float.self))
    }

    func vector(_ slot: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: dimension) { buffer, initialized in
            if copyRow(slot, into: buffer.baseAddress!) {
                initialized = dimension
            } else {
                buffer.initialize(repeating: .nan)
                initialized = dimension
            }
        }
    }

    /// A run of at most `maxRows` consecutive rows inside one segment, in storage format.
    struct Block {
        let firstSlot: Int
        let rowCount: Int
        let source: UnsafeRawPointer
    }

    /// All rows cut into blocks of at most `maxRows` (blocks never cross segments).
    func blocks(maxRows: Int) -> [Block] {
        var result: [Block] = []
        for segment in segments where segment.firstSlot < count {
            let rowsHere = min(segment.capacity, count - segment.firstSlot)
            var start = 0
            while start < rowsHere {
                let n = min(maxRows, rowsHere - start)
                result.append(
                    Block(
                        firstSlot: segment.firstSlot + start, rowCount: n,
                        source: UnsafeRawPointer(segment.rows + start * rowBytes)))
                start += n
            }
        }
        return result
    }

    /// The block's rows as f32: straight from the mapping for f32 storage, otherwise widened
    /// into `scratch` (capacity `rowCount * dimension`).
    func floats(of block: Block, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        if storage == .float32 { return block.source.assumingMemoryBound(to: Float.self) }
        storage.decode(block.source, count: block.rowCount * dimension, into: scratch)
        return UnsafePointer(scratch)
    }
}

/// The file-backed, memory-mapped matrix of document vectors, addressed by dense slot numbers.
///
/// Rows loaded from a checkpoint are a read-only private mapping of the checkpoint file (so
/// opening a large index maps instead of copying). New rows go to an unlinked scratch file
/// that grows by whole segments, each reserved with `posix_fallocate` (so a full disk is an
/// error now rather than a SIGBUS later) and mapped once. Durability comes from the log and
/// checkpoints, never from this scratch file. Only the writer thread calls `append`.
final class VectorStore {
    let dimension: Int
    let storage: VectorStorageType
    private let scratchFile: PosixFile
    private var segments: [VectorRows.Segment]
    private(set) var count: Int
    /// Bytes of scratch file already mapped; segments follow each other in the file.
    private var scratchBytes = 0
    /// Rows in the next scratch segment: starts at 4096 and doubles up to about 32 MiB, so a
    /// small index stays small and a large one needs few segments. Any multiple of 4096 rows
    /// is a whole number of pages, as `mmap` offsets require.
    private var nextSegmentRows = 4096

    var rowBytes: Int { dimension * storage.byteWidth }

    /// A view of all rows appended so far.
    var rows: VectorRows { VectorRows(dimension: dimension, storage: storage, segments: segments, count: count) }

    /// - Parameter base: rows already on disk (a checkpoint's vector file), mapped read-only.
    init(directory: String, dimension: Int, storage: VectorStorageType, base: VectorFile.Mapping?) throws {
        self.dimension = dimension
        self.storage = storage
        let path = directory + "/vectors.scratch-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        scratchFile = try PosixFile.open(path, flags: O_RDWR | O_CREAT | O_EXCL, mode: 0o600)
        try Directory.remove(path)
        segments = []
        count = 0
        if let base, base.rows > 0 {
            segments.append(
                .init(
                    region: base.region,
                    rows: UnsafeMutableRawPointer(mutating: base.region.bytes.baseAddress!) + VectorFile.headerSize,
                    firstSlot: 0, capacity: base.rows))
            count = base.rows
        }
    }

    /// Forgets rows from `count` on (an apply that failed half-way undoing its appends). No
    /// view taken earlier reaches them: views are published only after a whole batch.
    func removeRows(from count: Int) {
        precondition(count <= self.count, "removeRows past the end")
        self.count = count
    }

    /// Appends one row (converted to the storage type) and returns its slot. The row is
    /// visible to readers only through views taken after this call.
    func append(_ vector: UnsafePointer<Float>) throws -> Int {
        if segments.isEmpty || segments[segments.count - 1].firstSlot + segments[segments.count - 1].capacity == count {
            try grow()
        }
        let segment = segments[segments.count - 1]
        storage.encode(vector, count: dimension, into: segment.rows + (count - segment.firstSlot) * rowBytes)
        count += 1
        return count - 1
    }

    private func grow() throws {
        let rows = nextSegmentRows
        let bytes = rows * rowBytes
        let status = posix_fallocate(scratchFile.descriptor, off_t(scratchBytes), off_t(bytes))
        guard status == 0 else {
            throw IndexError.io(operation: "reserve \(bytes) bytes for vectors", path: scratchFile.path, code: status)
        }
        let region = try scratchFile.map(offset: scratchBytes, length: bytes, access: .readWrite)
        segments.append(.init(region: region, rows: region.mutableBytes.baseAddress!, firstSlot: count, capacity: rows))
        scratchBytes += bytes
        if bytes < 32 << 20 { nextSegmentRows = rows * 2 }
    }
}
