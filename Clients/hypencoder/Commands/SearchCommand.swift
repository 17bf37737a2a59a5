import CommandLineOptions
import Foundation
import HypencoderRPC

/// `hypencoder search QUERY`: the top-k documents for a query (`search`).
enum SearchCommand: Command {
    static let options = OptionTable(
        command: "hypencoder search",
        abstract: "top-k documents of the index for a query",
        discussion: """
            Ranks the documents of a collection for QUERY with the model's q-net (JSON-RPC method
            search). Without --collection, run inside a folder indexed with `hypencoder index`, it
            searches that folder's passages and prints each hit as FILE:LINE: score and the
            passage's first line, best first, as grep does (terminals and editors jump to it);
            elsewhere it searches the default collection and prints a table.
            """,
        options: [
            .positional("QUERY"),
            .value("-k", "N", help: "how many hits", check: .integer(1...10_000), default: "10"),
            .flag("--exact", help: "score every document (the default)"),
            .flag("--approximate", help: "walk the neighbour graph: scores part of the index, may miss a few"),
            .value("--collection", "NAME", help: "search this collection (\"default\": the daemon's index directory)"),
            .value(
                "--include", "LIST", help: "also return stored text and/or metadata (comma-separated)",
                check: .custom(expected: "text and/or metadata, comma-separated") { includeList($0) != nil }),
            .flag(
                "--json",
                help: #"print the daemon's result ({"mode", "results": [{id, score, ...}], "documentsScored", "elapsedMs"})"#),
        ]
            + Option.section(
                "Approximate search (with --approximate)",
                [
                    .flag("--paper", help: "the paper's traversal (random entry points) instead of ours"),
                    .value(
                        "--entry-points", "N", help: "documents scored first; ours by collection size (32+), paper 10000",
                        check: .integer(1...100_000)),
                    .value(
                        "--ncandidates", "N",
                        help: "beam width (ours, by collection size: 40+) or documents expanded per round (paper, 64)",
                        check: .integer(1...10_000)),
                    .value("--max-iter", "N", help: "most rounds; ours 8 beams (400+), paper 16", check: .integer(0...100_000)),
                ]),
        examples: [
            ["how do rockets reach orbit", "-k", "5", "--include", "text"],
            ["how do rockets reach orbit", "--approximate", "--ncandidates", "80"],
        ])

    static func run(_ arguments: ParsedArguments, _ context: ClientContext) throws {
        let json = arguments.flag("--json")
        let k = arguments[integer: "-k"]
        let exact = arguments.flag("--exact")
        let approximate = arguments.flag("--approximate")
        guard !(exact && approximate) else { throw UsageError("--exact and --approximate exclude each other") }
        var graph: JSONObject = [:]
        if arguments.flag("--paper") { graph["traversal"] = "paper" }
        for (flag, key) in [("--entry-points", "entryPoints"), ("--ncandidates", "ncandidates"), ("--max-iter", "maxIter")] {
            if let value = arguments.integer(flag) { graph[key] = .integer(Int64(value)) }
        }
        guard approximate || graph.isEmpty else {
            throw UsageError("--paper, --entry-points, --ncandidates and --max-iter need --approximate")
        }
        let include = arguments.value("--include").flatMap(includeList) ?? []
        let query = arguments["QUERY"]

        var params: JSONObject = [
            "query": .string(query), "k": .integer(Int64(k)),
            "mode": approximate ? "approximate" : "exact",
        ]
        if !graph.isEmpty { params["params"] = .object(graph) }
        let workspace = arguments.value("--collection") == nil ? enclosingWorkspace(context) : nil
        if let collection = arguments.value("--collection") { params["collection"] = .string(collection) }
        if let workspace { params["workspace"] = .string(workspace) }
        let asked = workspace == nil ? include : Array(Set(include + ["text"])).sorted()
        if !asked.isEmpty { params["include"] = .array(asked.map { .string($0) }) }
        let result = try context.call("search", .object(params))
        if json { return Output.json(result) }
        let hits = result["results"]?.arrayValue ?? []
        if !hits.isEmpty, hits.allSatisfy({ $0["path"]?.stringValue != nil }) {
            return printLocations(hits, include: include)
        }
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

    /// The current directory when an indexed workspace contains it (`workspace/find`), so
    /// `hypencoder search` inside a project searches that project. Nil otherwise, and when
    /// the daemon cannot say (no index, or an older daemon): then the default collection.
    static func enclosingWorkspace(_ context: ClientContext) -> String? {
        let here = FileManager.default.currentDirectoryPath
        guard let found = try? context.call("workspace/find", ["path": .string(here)]), !found.isNull else { return nil }
        return here
    }

    /// `FILE:LINE: score  first line of the passage`, one per hit, best first; FILE relative
    /// to the current directory when it is below it. `--include metadata` adds the metadata.
    static func printLocations(_ hits: [JSONValue], include: [String]) {
        let here = FileManager.default.currentDirectoryPath + "/"
        for hit in hits {
            var path = hit["path"]?.stringValue ?? ""
            if path.hasPrefix(here) { path = String(path.dropFirst(here.count)) }
            let line = hit["line"]?.int64Value ?? 1
            let text = hit["text"]?.stringValue ?? ""
            let snippet = text.split(separator: "\n").first { !$0.allSatisfy(\.isWhitespace) }.map(String.init) ?? ""
            var row = "\(path):\(line): \(Output.score(hit["score"]))  \(Output.clip(snippet.trimmingWhitespace(), 100))"
            if include.contains("text") { row += "\n" + text.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") }
            if include.contains("metadata") { row += "  " + Output.cell(hit["metadata"]) }
            Output.line(row)
        }
    }

    /// `text,metadata` → ["text", "metadata"]; nil if it names anything else.
    static func includeList(_ text: String) -> [String]? {
        let parts = text.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
        return parts.allSatisfy(["text", "metadata"].contains) ? parts : nil
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
