import Foundation
import HypencoderIndex

/// Every file an index directory holds, read the way recovery reads it: the target writes a
/// small real index's files into a scratch directory with one of them replaced by the input,
/// and opens it with `DocumentIndex.open` (manifest, vector file mapping, document table,
/// graph file or rebuild, write-ahead-log replay), then reads and searches what opened.
/// One target per file, so each has its own seeds (the real file) and corpus:
///
/// - `index-manifest`: `MANIFEST` (JSON with a CRC32C of its canonical form)
/// - `index-documents`: `documents-<g>.bin` (ids, metadata, texts; CRC32C at the end)
/// - `index-vectors`: `vectors-<g>.bin` (64-byte header with a CRC32C of the rows, mapped)
/// - `index-graph`: `graph-<g>.bin` (neighbour lists; damaged ones are rebuilt, not fatal)
/// - `index-wal`: `wal-<g>.log` (length + CRC32C framed `LogEntry` records, replayed)
///
/// Each input is opened twice: as it is, and with its checksums recomputed (so a mutation
/// also reaches the decoders behind the checksum, as a file from a buggy or hostile writer
/// would). The log is replayed with `.truncateAtFirstCorruption` the first time and the
/// default `.refuse` the second.
///
/// Invariants: an index that opens is consistent: as many ids as live documents, every one
/// readable with a vector of the index's dimension; exact search returns min(k, count) hits;
/// approximate search runs; a later reopen (after close) succeeds.
enum IndexFilesTarget {
    enum Kind: String, CaseIterable {
        case manifest, documents, vectors, graph, wal

        func fileName(generation: Int) -> String {
            switch self {
            case .manifest: return "MANIFEST"
            case .documents: return "documents-\(generation).bin"
            case .vectors: return "vectors-\(generation).bin"
            case .graph: return "graph-\(generation).bin"
            case .wal: return "wal-\(generation).log"
            }
        }
    }

    static let dimension = 8
    static let fingerprint = "fuzz-model"

    static let targets: [FuzzTarget] = Kind.allCases.map { kind in
        FuzzTarget(
            name: "index-\(kind.rawValue)",
            summary: "\(kind.fileName(generation: 1)) of an index, through DocumentIndex.open (recovery)",
            maxLength: kind == .vectors ? 8192 : 4096,
            seeds: {
                [(name: kind.rawValue, bytes: Template.shared.files[kind.fileName(generation: Template.shared.generation)] ?? [])]
            },
            run: { run(kind, $0) })
    }

    static func options(policy: LogRecoveryPolicy) -> IndexOptions {
        var options = IndexOptions()
        options.autoCompaction = nil
        options.logRecovery = policy
        options.graph.buildThreads = 1
        return options
    }

    /// A small real index, made once per process by the index's own code: 24 documents
    /// checkpointed (manifest, vectors, documents, graph), then 4 upserts and 2 deletes left
    /// in the log.
    final class Template: @unchecked Sendable {
        static let shared = Template()
        var files: [String: [UInt8]] = [:]
        var generation = 0

        init() {
            let directory = Scratch.emptyDirectory("index-template")
            do {
                let index = try DocumentIndex.open(
                    directory: directory, fingerprint: fingerprint, dimension: dimension, options: options(policy: .refuse))
                var random: UInt64 = 0x2545_F491_4F6C_DD1D
                func vector() -> [Float] {
                    (0..<dimension).map { _ in
                        random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                        return Float(Int64(bitPattern: random >> 11) % 2000) / 1000 - 1
                    }
                }
                try index.upsert(
                    (0..<24).map { number in
                        DocumentUpsert(
                            id: "doc-\(number)", vector: vector(),
                            metadata: number % 3 == 0 ? nil : Array(#"{"n":\#(number)}"#.utf8),
                            text: number % 4 == 0 ? nil : "text of document \(number) é")
                    })
                try index.checkpoint()
                try index.upsert([
                    DocumentUpsert(id: "doc-1", vector: vector(), metadata: nil, text: "replaced"),
                    DocumentUpsert(id: "new-a", vector: vector(), metadata: Array("{}".utf8), text: nil),
                ])
                try index.delete(ids: ["doc-2", "doc-missing"])
                try index.upsert([DocumentUpsert(id: "new-b", vector: vector(), metadata: nil, text: "b")])
                index.close()
            } catch {
                fatalError("index template: \(error)")
            }
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name != "LOCK" {
                files[name] = FileManager.default.contents(atPath: directory + "/" + name).map { [UInt8]($0) }
            }
            guard let manifest = files["MANIFEST"],
                let object = try? JSONSerialization.jsonObject(with: Data(manifest)) as? [String: Any],
                let inner = object["manifest"] as? [String: Any], let generation = inner["generation"] as? Int
            else { fatalError("index template: no readable MANIFEST among \(files.keys.sorted())") }
            self.generation = generation
            for kind in Kind.allCases where files[kind.fileName(generation: generation)] == nil {
                fatalError("index template: no \(kind.fileName(generation: generation)) among \(files.keys.sorted())")
            }
        }
    }

    static func run(_ kind: Kind, _ input: UnsafeRawBufferPointer) {
        let template = Template.shared
        let replaced = kind.fileName(generation: template.generation)
        let bytes = Array(input)
        open(template, replacing: replaced, with: bytes, policy: .truncateAtFirstCorruption)
        if let repaired = repairChecksums(kind, bytes), repaired != bytes {
            open(template, replacing: replaced, with: repaired, policy: .refuse)
        }
    }

    static func open(_ template: Template, replacing name: String, with bytes: [UInt8], policy: LogRecoveryPolicy) {
        let directory = Scratch.emptyDirectory("index")
        for (file, contents) in template.files where file != name { Scratch.write(contents, to: directory + "/" + file) }
        Scratch.write(bytes, to: directory + "/" + name)
        let index: DocumentIndex
        do {
            index = try DocumentIndex.open(
                directory: directory, fingerprint: fingerprint, dimension: dimension, options: options(policy: policy))
        } catch is IndexError {
            return
        } catch {
            return FuzzCheck.require(false, "DocumentIndex.open threw \(type(of: error)), not an IndexError: \(error)")
        }
        exercise(index)
        index.close()
        // What recovery left behind (a truncated log, removed stale files) opens again.
        do {
            let again = try DocumentIndex.open(
                directory: directory, fingerprint: fingerprint, dimension: dimension, options: options(policy: .refuse))
            again.close()
        } catch {
            FuzzCheck.require(false, "an index that opened does not open again after close: \(error)")
        }
    }

    static func exercise(_ index: DocumentIndex) {
        let snapshot = index.snapshot()
        let ids = snapshot.ids()
        FuzzCheck.require(
            ids.count == snapshot.count && snapshot.count <= snapshot.slotCount,
            "\(ids.count) ids, \(snapshot.count) live documents, \(snapshot.slotCount) slots")
        // Texts and metadata are read lazily: a record that passed its checksum can still fail
        // to decode here, which must be an IndexError (the daemon answers it as an index error).
        let documents: [StoredDocument?]
        do {
            documents = try index.get(ids: ids)
        } catch is IndexError {
            return
        } catch {
            return FuzzCheck.require(false, "get threw \(type(of: error)), not an IndexError: \(error)")
        }
        for (id, document) in zip(ids, documents) {
            FuzzCheck.require(
                document?.id == id && document?.vector.count == dimension,
                "live document '\(id)' reads as \(String(describing: document))")
        }
        let scorer = DotScorer()
        do {
            let exact = try index.search(scorer: scorer, k: 5, method: .exact)
            FuzzCheck.require(
                exact.hits.count == min(5, snapshot.count), "exact search found \(exact.hits.count) of \(snapshot.count)")
            _ = try index.search(
                scorer: scorer, k: 5,
                method: .approximate(ApproximateSearchParameters(entryPoints: 4, ncandidates: 8, maxIter: 16)))
            _ = try index.search(scorer: scorer, k: 3, method: .approximate(.paperEfficient1))
        } catch {
            FuzzCheck.require(false, "search on an index that opened failed: \(error)")
        }
    }

    /// Scores by the dot product with a fixed query.
    struct DotScorer: DocumentScorer {
        var dimension: Int { IndexFilesTarget.dimension }
        func score(documents: UnsafePointer<Float>, count: Int, into: UnsafeMutablePointer<Float>) {
            for row in 0..<count {
                var sum: Float = 0
                for column in 0..<dimension { sum += documents[row * dimension + column] * Float(column % 3 - 1) }
                into[row] = sum
            }
        }
    }

    /// The input with its checksums recomputed as the index's writers compute them, or nil when
    /// it is too short to hold them (or, for the manifest, does not decode as one).
    static func repairChecksums(_ kind: Kind, _ input: [UInt8]) -> [UInt8]? {
        var bytes = input
        func store(_ crc: UInt32, at offset: Int) {
            withUnsafeBytes(of: crc.littleEndian) { for (i, byte) in $0.enumerated() { bytes[offset + i] = byte } }
        }
        switch kind {
        case .documents, .graph:
            // CRC32C of everything before the last four bytes.
            guard bytes.count >= 4 else { return nil }
            store(CRC32C.checksum(Array(bytes[..<(bytes.count - 4)])), at: bytes.count - 4)
        case .vectors:
            // Header field at byte 28: CRC32C of the rows after the 64-byte header.
            guard bytes.count >= 64 else { return nil }
            store(CRC32C.checksum(Array(bytes[64...])), at: 28)
        case .wal:
            // Records: u32 length, u32 CRC32C of the payload, payload.
            var offset = 0
            while offset + 8 <= bytes.count {
                let length = bytes[offset..<(offset + 4)].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
                let end = offset + 8 + length
                guard end <= bytes.count else { break }
                store(CRC32C.checksum(Array(bytes[(offset + 8)..<end])), at: offset + 4)
                offset = end
            }
        case .manifest:
            // As Manifest.encoded(): {"checksum": CRC32C of the manifest's sorted-keys JSON, "manifest": …}.
            struct Stored: Codable {
                var manifest: Manifest
                var checksum: UInt32
            }
            guard var stored = try? JSONDecoder().decode(Stored.self, from: Data(bytes)) else { return nil }
            let canonical = JSONEncoder()
            canonical.outputFormatting = [.sortedKeys]
            guard let data = try? canonical.encode(stored.manifest) else { return nil }
            stored.checksum = CRC32C.checksum([UInt8](data))
            let pretty = JSONEncoder()
            pretty.outputFormatting = [.sortedKeys, .prettyPrinted]
            guard let encoded = try? pretty.encode(stored) else { return nil }
            bytes = [UInt8](encoded) + [0x0A]
        }
        return bytes
    }
}
