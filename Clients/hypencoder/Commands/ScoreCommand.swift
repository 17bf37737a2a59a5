import CommandLineOptions
import HypencoderRPC

/// `hypencoder score QUERY --id ID... | --text T...`: the relevance score of given
/// documents for a query, in the order given (`score`).
enum ScoreCommand: Command {
    static let options = OptionTable(
        command: "hypencoder score",
        abstract: "score given documents (stored ids or texts) for a query",
        discussion: """
            Scores documents for QUERY in the order given (JSON-RPC method score). Give at least
            one --id or --text; they may be repeated and mixed, and each takes values up to the
            next --flag.
            """,
        options: [
            .positional("QUERY"),
            .list("--id", "ID", help: "documents of the index, by id (an unknown id scores as empty)"),
            .list("--text", "TEXT", help: "texts encoded on the fly (nothing is stored)"),
            .flag("--json", help: #"print the daemon's result ({"scores": [...]}, null for unknown ids)"#),
        ],
        examples: [["how do rockets reach orbit", "--id", "rocket", "bread", "--text", "a rocket burns fuel"]])

    static func run(_ arguments: ParsedArguments, _ context: ClientContext) throws {
        let json = arguments.flag("--json")
        let query = arguments["QUERY"]
        // In command-line order, --id and --text mixed as given.
        let documents = arguments.occurrences.compactMap { given -> (kind: String, value: String)? in
            guard given.name == "--id" || given.name == "--text", let value = given.value else { return nil }
            return (String(given.name.dropFirst(2)), value)
        }
        guard !documents.isEmpty else { throw UsageError("give documents with --id or --text") }
        guard documents.count <= 10_000 else {
            throw UsageError("at most 10000 documents per score call, got \(documents.count)")
        }

        let params: JSONValue = [
            "query": .string(query),
            "documents": .array(documents.map { .object([$0.kind: .string($0.value)]) }),
        ]
        let result = try context.call("score", params)
        if json { return Output.json(result) }
        let scores = result["scores"]?.arrayValue ?? []
        let rows = zip(documents, scores).map { document, score in
            [score.isNull ? "(not in index)" : Output.score(score), document.kind, Output.clip(document.value)]
        }
        Output.table(["score", "kind", "document"], rows)
    }
}
