import HypencoderRPC

/// `hypencoder search QUERY`: the top-k documents for a query (`search`).
enum SearchCommand: Command {
    static let name = "search"
    static let summary = "top-k documents of the index for a query"
    static let help = """
        usage: hypencoder search QUERY [-k N] [--exact|--approximate] [--include text,metadata] [--json]

        Ranks the index's documents for QUERY with the model's q-net (JSON-RPC method search).
          -k N              how many hits (1-10000, default 10)
          --exact           score every document (default)
          --approximate     use the neighbour graph (an error until the daemon has built one)
          --include LIST    also return stored text and/or metadata (comma-separated)
          --json            print the daemon's result ({"mode", "hits": [{id, score, ...}]})
        """

    static func run(_ arguments: inout ArgumentList, _ context: ClientContext) throws {
        let json = arguments.flag("--json")
        let k = try arguments.integer("-k", in: 1...10_000) ?? 10
        let exact = arguments.flag("--exact")
        let approximate = arguments.flag("--approximate")
        guard !(exact && approximate) else { throw ClientError.usage("--exact and --approximate exclude each other") }
        let include = try includeList(arguments.option("--include"), allowed: ["text", "metadata"])
        let query = try arguments.finish(positionals: 1...1, usage: help)[0]

        var params: JSONObject = ["query": .string(query), "k": .integer(Int64(k)),
                                  "mode": approximate ? "approximate" : "exact"]
        if !include.isEmpty { params["include"] = .array(include.map { .string($0) }) }
        let result = try context.call("search", .object(params))
        if json { return Output.json(result) }

        let hits = result["hits"]?.arrayValue ?? []
        var header = ["rank", "score", "id"]
        if include.contains("text") { header.append("text") }
        if include.contains("metadata") { header.append("metadata") }
        let rows = hits.enumerated().map { rank, hit -> [String] in
            var row = [String(rank + 1), Output.score(hit["score"]), Output.cell(hit["id"])]
            if include.contains("text") { row.append(Output.clip(Output.cell(hit["text"]))) }
            if include.contains("metadata") { row.append(Output.clip(Output.cell(hit["metadata"]))) }
            return row
        }
        Output.table(header, rows)
    }

    /// `text,metadata` → ["text", "metadata"], refusing anything else by name.
    static func includeList(_ text: String?, allowed: [String]) throws -> [String] {
        guard let text else { return [] }
        let parts = text.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
        for part in parts where !allowed.contains(part) {
            throw ClientError.usage("--include: unknown field \"\(part)\"; allowed: \(allowed.joined(separator: ", "))")
        }
        return parts
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
