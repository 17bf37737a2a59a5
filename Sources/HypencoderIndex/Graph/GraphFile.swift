/// The neighbour graph on disk: `graph-<g>.bin` beside checkpoint generation g, numbered like
/// that checkpoint's vector file (live documents only, in slot order). Written to a `.tmp`,
/// fsync'ed and renamed before the manifest names generation g, like the module's other
/// checkpoint files. It is derived data: a missing or damaged file is rebuilt from the vectors.
///
/// Layout, little-endian:
///
///     "HYPGRAPH"  u32 version  u64 nodes  u32 maxDegree  u32 capacity  i64 entryNode
///     u32 entryCount  u32 × entryCount (centroid entry points)
///     u16 × nodes (list lengths)  u32 × Σ lengths (neighbour ids)
///     u32 CRC32C of everything before it
enum GraphFile {
    static let magic = Array("HYPGRAPH".utf8)
    static let version: UInt32 = 1

    static func name(_ generation: Int) -> String { "graph-\(generation).bin" }

    static func encode(_ graph: NeighborGraph, entries: [Int32]) -> [UInt8] {
        var writer = ByteWriter()
        writer.raw(magic)
        writer.u32(version)
        writer.u64(UInt64(graph.nodeCount))
        writer.u32(UInt32(graph.maxDegree))
        writer.u32(UInt32(graph.capacity))
        writer.u64(UInt64(bitPattern: Int64(graph.entryNode)))
        writer.u32(UInt32(entries.count))
        for entry in entries { writer.u32(UInt32(bitPattern: entry)) }
        var ids: [UInt32] = []
        ids.reserveCapacity(graph.nodeCount * graph.maxDegree)
        for node in 0..<graph.nodeCount {
            let list = graph.neighbors(of: node)
            writer.u16(UInt16(list.count))
            for id in list { ids.append(UInt32(bitPattern: id).littleEndian) }
        }
        ids.withUnsafeBytes { writer.raw($0) }
        var bytes = writer.bytes
        let crc = CRC32C.checksum(bytes)
        withUnsafeBytes(of: crc.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Parses and checks a graph file for an index of `nodes` documents.
    /// - Throws: `IndexError.corruptFile` naming what is wrong.
    static func decode(
        _ bytes: [UInt8], path: String, nodes expected: Int,
        parameters: GraphParameters
    ) throws -> (graph: NeighborGraph, entries: [Int32]) {
        func corrupt(_ reason: String) -> IndexError { .corruptFile(path: path, reason: reason) }
        guard bytes.count >= magic.count + 40 else { throw corrupt("too short (\(bytes.count) bytes)") }
        let stored = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self) }
        let actual = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[..<(bytes.count - 4)])) }
        guard UInt32(littleEndian: stored) == actual else { throw corrupt("checksum mismatch") }
        return try bytes.withUnsafeBytes { buffer in
            var reader = ByteReader(UnsafeRawBufferPointer(rebasing: buffer[..<(bytes.count - 4)]), path: path)
            return try parse(&reader, path: path, nodes: expected, parameters: parameters)
        }
    }

    private static func parse(
        _ reader: inout ByteReader, path: String, nodes expected: Int,
        parameters: GraphParameters
    ) throws -> (graph: NeighborGraph, entries: [Int32]) {
        func corrupt(_ reason: String) -> IndexError { .corruptFile(path: path, reason: reason) }
        guard try reader.raw(magic.count, "magic") == magic else { throw corrupt("not a graph file (magic)") }
        let version = try reader.u32("version")
        guard version == Self.version else {
            throw IndexError.unsupportedFormatVersion(path: path, found: Int(version), supported: Int(Self.version))
        }
        let nodes = try reader.u64("nodes")
        guard nodes == UInt64(expected) else { throw corrupt("has \(nodes) nodes, the checkpoint has \(expected) documents") }
        let maxDegree = Int(try reader.u32("maxDegree"))
        let capacity = Int(try reader.u32("capacity"))
        guard maxDegree >= 1, capacity >= maxDegree, capacity <= Int(UInt16.max) else {
            throw corrupt("maxDegree \(maxDegree) / capacity \(capacity) out of range")
        }
        let entryNode = Int(Int64(bitPattern: try reader.u64("entryNode")))
        guard entryNode >= -1, entryNode < expected else { throw corrupt("entryNode \(entryNode) out of range") }
        let entryCount = Int(try reader.u32("entryCount"))
        guard entryCount <= expected else { throw corrupt("entryCount \(entryCount) > nodes") }
        var entries: [Int32] = []
        for _ in 0..<entryCount {
            let entry = try reader.u32("entries")
            guard entry < UInt32(expected) else { throw corrupt("entry point \(entry) out of range") }
            entries.append(Int32(entry))
        }
        var counts = [Int](repeating: 0, count: expected)
        for node in 0..<expected {
            counts[node] = Int(try reader.u16("list lengths"))
            guard counts[node] <= capacity else { throw corrupt("node \(node) lists \(counts[node]) > capacity \(capacity)") }
        }
        // Keep the file's capacity if it is larger than ours, so no stored list is cut.
        var graph = NeighborGraph(maxDegree: parameters.maxDegree, capacity: max(parameters.capacity, capacity))
        graph.grow(to: expected)
        graph.entryNode = entryNode
        var list: [Int32] = []
        for node in 0..<expected {
            list.removeAll(keepingCapacity: true)
            for _ in 0..<counts[node] {
                let id = try reader.u32("neighbour ids")
                guard id < UInt32(expected) else { throw corrupt("node \(node) links to \(id), out of range") }
                list.append(Int32(id))
            }
            graph.setNeighbors(of: node, list)
        }
        return (graph, entries)
    }
}
