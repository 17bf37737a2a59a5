import CommandLineOptions
import HypencoderRPC

/// `hypencoder get ID...`: stored documents by id (`index/get`).
enum GetCommand: Command {
    static let options = OptionTable(
        command: "hypencoder get",
        abstract: "stored documents (text, metadata, optionally vector) by id",
        discussion: """
            Shows stored documents (JSON-RPC method index/get) with their text and metadata.
            An id that is not stored is shown as "(not found)"; that is not an error.
            """,
        options: [
            .positional("ID", count: 1...Int.max),
            .value("--collection", "NAME", help: "read from this collection (default: the daemon's index directory)"),
            .flag("--vector", help: "also fetch the stored vector (as base64 float32 in --json output)"),
            .flag("--json", help: #"print the daemon's result ({"documents": [... or null where absent]})"#),
        ],
        examples: [["rocket", "--json"]])

    static func run(_ arguments: ParsedArguments, _ context: ClientContext) throws {
        let json = arguments.flag("--json")
        let vector = arguments.flag("--vector")
        let ids = arguments.values("ID")
        var include: [JSONValue] = ["text", "metadata"]
        if vector { include.append("vector") }
        var params: JSONObject = ["ids": .array(ids.map { .string($0) }), "include": .array(include), "encoding": "base64"]
        if let collection = arguments.value("--collection") { params["collection"] = .string(collection) }
        let result = try context.call("index/get", .object(params))
        if json { return Output.json(result) }
        let documents = result["documents"]?.arrayValue ?? []
        var header = ["id", "text", "metadata"]
        if vector { header.append("vector") }
        let rows = zip(ids, documents).map { id, document -> [String] in
            guard !document.isNull else { return [id, "(not found)", ""] + (vector ? [""] : []) }
            var row = [id, Output.clip(Output.cell(document["text"])), Output.clip(Output.cell(document["metadata"]), 40)]
            if vector {
                let floats = (document["vector"]?.stringValue).flatMap { try? Float32Base64.decode($0) } ?? []
                row.append(
                    "\(floats.count) floats: " + floats.prefix(4).map { String(format: "%.4f", $0) }.joined(separator: " ")
                        + (floats.count > 4 ? " …" : ""))
            }
            return row
        }
        Output.table(header, rows)
    }
}
