import CommandLineOptions
import HypencoderRPC

/// `hypencoder import --vectors FILE --ids FILE`: loads precomputed document vectors
/// (e.g. encoded on a GPU elsewhere) without re-encoding, through `index/add` with
/// base64 float32 vectors.
enum ImportCommand: Command {
    static let options = OptionTable(
        command: "hypencoder import",
        abstract: "add precomputed vectors (.npy or raw float32) with their ids",
        discussion: """
            Adds documents that already have vectors (JSON-RPC method index/add, vectors sent as
            base64 float32); nothing is encoded and no text is stored. The vectors must come
            from the model the daemon serves (same fingerprint).
            """,
        options: [
            .value(
                "--vectors", "FILE",
                help: "a .npy float32 matrix (rows, dimension), or raw little-endian float32 rows of the index's dimension"
            ).required(),
            .value("--ids", "FILE", help: "one document id per line, in the order of the rows").required(),
            .value("--batch-size", "N", help: "documents per request", check: .integer(1...10_000), default: "1024"),
            .flag("--quiet", help: "no progress on stderr"),
            .flag("--json", help: #"print {"documents", "added", "updated"} as JSON"#),
        ],
        examples: [["--vectors", "vectors.npy", "--ids", "ids.txt"]])

    static func run(_ arguments: ParsedArguments, _ context: ClientContext) throws {
        let json = arguments.flag("--json")
        let quiet = arguments.flag("--quiet")
        let batchSize = arguments[integer: "--batch-size"]
        let vectorsPath = arguments["--vectors"]
        let idsPath = arguments["--ids"]

        let ids = try readIDs(idsPath)
        let stats = try context.call("index/stats")
        guard let dimension = stats["dimension"]?.int64Value, dimension > 0 else {
            throw ClientError(.protocolError, "index/stats did not report a dimension")
        }
        let vectors = try VectorFile(path: vectorsPath, expectedDimension: Int(dimension))
        guard vectors.rows == ids.count else {
            throw ClientError.data("\(vectorsPath) has \(vectors.rows) vectors but \(idsPath) has \(ids.count) ids")
        }

        let connection = try context.connection()
        let progress = ProgressReporter(title: "import", total: Int64(ids.count), enabled: !quiet)
        var added = 0
        var updated = 0
        let batches = stride(from: 0, to: ids.count, by: batchSize).map { $0..<min($0 + batchSize, ids.count) }
        try connection.pipeline(
            "index/add", count: batches.count, window: 2,
            request: { index in
                [
                    "documents": .array(
                        batches[index].map {
                            ["id": .string(ids[$0]), "vector": .string(Float32Base64.encode(vectors.row($0)))]
                        })
                ]
            }
        ) { index, result in
            added += Int(result["added"]?.int64Value ?? 0)
            updated += Int(result["updated"]?.int64Value ?? 0)
            progress.update(done: Int64(batches[index].upperBound), count: batches[index].upperBound, unit: "vectors")
        }
        progress.finish()
        if json {
            return Output.json([
                "documents": .integer(Int64(ids.count)), "added": .integer(Int64(added)),
                "updated": .integer(Int64(updated)),
            ])
        }
        Output.line("\(ids.count) vectors: \(added) added, \(updated) updated")
    }

    private static func readIDs(_ path: String) throws -> [String] {
        let reader = try LineReader(path: path)
        var ids: [String] = []
        while let line = reader.next() {
            let id = String(decoding: line, as: UTF8.self)
            guard !id.isEmpty else { throw ClientError.data("\(reader.location): empty id") }
            ids.append(id)
        }
        return ids
    }
}
