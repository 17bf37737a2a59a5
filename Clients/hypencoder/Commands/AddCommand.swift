import HypencoderRPC

/// `hypencoder add FILE`: streams a JSONL file of documents into the index.
enum AddCommand: Command {
    static let name = "add"
    static let summary = "add or replace documents from a JSONL file (also a BEIR corpus.jsonl)"
    static let help = """
        usage: hypencoder add FILE [--batch-size N] [--quiet] [--json]

        Streams FILE into the index (JSON-RPC method index/add), one batch at a time; each
        batch is answered only once it is durable, so when this command returns 0 every
        document is stored. Each line is one JSON object, either
          {"id": "d1", "text": "...", "vector": [...] | "base64", "metadata": {...}}
        (text, vector or both) or a BEIR corpus line {"_id": "d1", "title": "...", "text": "..."}
        (indexed as title + " " + text). Blank lines are skipped; a document whose id is
        already stored is replaced. Use - for stdin.
          --batch-size N   documents per request (1-10000, default 64)
          --quiet          no progress on stderr (a bar on a terminal, else a line per 10%)
          --json           print {"documents", "added", "updated"} as JSON
        """

    static func run(_ arguments: inout ArgumentList, _ context: ClientContext) throws {
        let json = arguments.flag("--json")
        let quiet = arguments.flag("--quiet")
        let batchSize = try arguments.integer("--batch-size", in: 1...10_000) ?? 64
        var path = try arguments.finish(positionals: 1...1, usage: help)[0]
        if path == "-" { path = "/dev/stdin" }
        var uploader = DocumentUploader(connection: try context.connection())
        uploader.batchSize = batchSize
        uploader.showProgress = !quiet
        let totals = try uploader.upload(path: path)
        if json {
            return Output.json([
                "documents": .integer(Int64(totals.documents)),
                "added": .integer(Int64(totals.added)), "updated": .integer(Int64(totals.updated)),
            ])
        }
        Output.line("\(totals.documents) documents: \(totals.added) added, \(totals.updated) updated")
    }
}
