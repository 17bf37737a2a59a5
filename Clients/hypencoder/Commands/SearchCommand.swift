import HypencoderRPC

/// `hypencoder search QUERY`: the top-k documents for a query (`search`).
enum SearchCommand: Command {
    static let name = "search"
    static let summary = "top-k documents of the index for a query"
    static let help = """
        usage: hypencoder search QUERY [-k N] [--exact|--approximate [--paper] [--entry-points N]
                                 [--ncandidates N] [--max-iter N]] [--include text,metadata] [--json]

        Ranks the index's documents for QUERY with the model's q-net (JSON-RPC method search).
          -k N              how many hits (1-10000, default 10)
          --exact           score every document (default)
          --approximate     walk the neighbour graph: scores part of the index, may miss a few
            --paper           the paper's traversal (random entry points) instead of ours
            --entry-points N  documents scored first (ours: 32; paper: 10000)
            --ncandidates N   beam width (ours: 40) or documents expanded per round (paper: 64)
            --max-iter N      most rounds (ours: 400; paper: 16)
          --include LIST    also return stored text and/or metadata (comma-separated)
          --json            print the daemon's result
                            ({"mode", "results": [{id, score, ...}], "documentsScored", "elapsedMs"})
        """

    static func run(_ arguments: inout ArgumentList, _ context: ClientContext) throws {
        let json = arguments.flag("--json")
        let k = try arguments.integer("-k", in: 1...10_000) ?? 10
        let exact = arguments.flag("--exact")
        let approximate = arguments.flag("--approximate")
        guard !(exact && approximate) else { throw ClientError.usage("--exact and --approximate exclude each other") }
        var graph: JSONObject = [:]
        if arguments.flag("--paper") { graph["traversal"] = "paper" }
        for (flag, key, range) in [
            ("--entry-points", "entryPoints", 1...100_000), ("--ncandidates", "ncandidates", 1...10_000),
            ("--max-iter", "maxIter", 0...100_000),
        ] {
            if let value = try arguments.integer(flag, in: range) { graph[key] = .integer(Int64(value)) }
        }
        guard approximate || graph.isEmpty else {
            throw ClientError.usage("--paper, --entry-points, --ncandidates and --max-iter need --approximate")
        }
        let include = try includeList(arguments.option("--include"), allowed: ["text", "metadata"])
        let query = try arguments.finish(positionals: 1...1, usage: help)[0]

        var params: JSONObject = [
            "query": .string(query), "k": .integer(Int64(k)),
            "mode": approximate ? "approximate" : "exact",
        ]
        if !graph.isEmpty { params["params"] = .object(graph) }
        if !include.isEmpty { params["include"] = .array(include.map { .string($0) }) }
        let result = try context.call("search", .object(params))
        if json { return Output.json(result) }

        let hits = result["results"]?.arrayValue ?? []
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
        if let scored = result["documentsScored"]?.int64Value, let elapsed = result["elapsedMs"]?.doubleValue {
            Output.line("\(scored) documents scored in \(String(format: "%.1f", elapsed)) ms")
        }
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
