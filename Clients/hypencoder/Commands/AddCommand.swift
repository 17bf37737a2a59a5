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
        already stored is replaced. Use - for stdin. A text longer than the model's window is
        stored whole and encoded from its start; a line on stderr lists such documents.
        If the daemon refuses a batch, the error names the file line and id, and says which
        lines are indexed and durable and which are not (resend those).
          --batch-size N   documents per request (1-10000, default 64)
          --quiet          no progress on stderr (a bar on a terminal, else a line per 10%)
          --json           print {"documents", "added", "updated"} as JSON (and "truncated",
                           the number of texts longer than the window, when there are any)
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
        for notice in totals.notices { Output.error("hypencoder: \(notice)") }
        if json {
            var result: JSONObject = [
                "documents": .integer(Int64(totals.documents)),
                "added": .integer(Int64(totals.added)), "updated": .integer(Int64(totals.updated)),
            ]
            if totals.truncated > 0 { result["truncated"] = .integer(Int64(totals.truncated)) }
            return Output.json(.object(result))
        }
        Output.line("\(totals.documents) documents: \(totals.added) added, \(totals.updated) updated")
    }
}
