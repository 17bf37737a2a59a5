import HypencoderRPC

/// `hypencoder score QUERY --id ID... | --text T...`: the relevance score of given
/// documents for a query, in the order given (`score`).
enum ScoreCommand: Command {
    static let name = "score"
    static let summary = "score given documents (stored ids or texts) for a query"
    static let help = """
        usage: hypencoder score QUERY (--id ID... | --text TEXT...) [--json]

        Scores documents for QUERY in the order given (JSON-RPC method score).
          --id ID...      documents of the index, by id (an unknown id scores as empty)
          --text TEXT...  texts encoded on the fly (nothing is stored)
          --json          print the daemon's result ({"scores": [...]}, null for unknown ids)
        --id and --text may be repeated and mixed; each takes values up to the next --flag.
        """

    static func run(_ arguments: inout ArgumentList, _ context: ClientContext) throws {
        let json = arguments.flag("--json")
        // Keep the command-line order when --id and --text are mixed.
        var documents: [(kind: String, value: String)] = []
        var current: String?
        var rest: [String] = []
        var flagsEnded = false
        for item in arguments.items {
            if !flagsEnded, item == "--" {
                flagsEnded = true
                rest.append(item)
                continue
            }
            if !flagsEnded, item == "--id" || item == "--text" {
                current = String(item.dropFirst(2))
                continue
            }
            if !flagsEnded, item.hasPrefix("--") {
                current = nil
                rest.append(item)
                continue
            }
            if let kind = current { documents.append((kind, item)) } else { rest.append(item) }
        }
        arguments = ArgumentList(rest)
        let query = try arguments.finish(positionals: 1...1, usage: help)[0]
        guard !documents.isEmpty else { throw ClientError.usage("give documents with --id or --text\n\(help)") }
        guard documents.count <= 10_000 else {
            throw ClientError.usage("at most 10000 documents per score call, got \(documents.count)")
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
