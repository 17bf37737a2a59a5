import CommandLineOptions
import HypencoderRPC

/// `hypencoder add FILE`: streams a JSONL file of documents into the index.
enum AddCommand: Command {
    static let options = OptionTable(
        command: "hypencoder add",
        abstract: "add or replace documents from a JSONL file (also a BEIR corpus.jsonl)",
        discussion: """
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
            """,
        options: [
            .positional("FILE"),
            .value("--batch-size", "N", help: "documents per request", check: .integer(1...10_000), default: "64"),
            .value(
                "--collection", "NAME", help: "add to this collection, created if missing (default: the daemon's index directory)"
            ),
            .flag("--quiet", help: "no progress on stderr (a bar on a terminal, else a line per 10%)"),
            .flag(
                "--json",
                help: #"print {"documents", "added", "updated"} as JSON (and "truncated", the number of texts "#
                    + "longer than the window, when there are any)"),
        ],
        examples: [["docs.jsonl"], ["beir/corpus.jsonl", "--batch-size", "256"]])

    static func run(_ arguments: ParsedArguments, _ context: ClientContext) throws {
        let json = arguments.flag("--json")
        let quiet = arguments.flag("--quiet")
        let batchSize = arguments[integer: "--batch-size"]
        var path = arguments["FILE"]
        if path == "-" { path = "/dev/stdin" }
        var uploader = DocumentUploader(connection: try context.connection())
        uploader.batchSize = batchSize
        uploader.showProgress = !quiet
        uploader.collection = arguments.value("--collection")
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
