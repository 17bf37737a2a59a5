import CommandLineOptions
import HypencoderRPC

/// `hypencoder delete ID...`: removes documents (`index/delete`), durable when it returns.
enum DeleteCommand: Command {
    static let options = OptionTable(
        command: "hypencoder delete",
        abstract: "delete documents by id",
        discussion: """
            Deletes documents from the index (JSON-RPC method index/delete); durable when it
            returns. Ids that are not stored are counted, not an error.
            """,
        options: [
            .positional("ID", count: 1...Int.max),
            .value("--collection", "NAME", help: "delete from this collection (default: the daemon's index directory)"),
            .flag("--json", help: #"print the daemon's result ({"deleted", "notFound"})"#),
        ],
        examples: [["bread"]])

    static func run(_ arguments: ParsedArguments, _ context: ClientContext) throws {
        let json = arguments.flag("--json")
        let ids = arguments.values("ID")
        var params: JSONObject = ["ids": .array(ids.map { .string($0) })]
        if let collection = arguments.value("--collection") { params["collection"] = .string(collection) }
        let result = try context.call("index/delete", .object(params))
        if json { return Output.json(result) }
        Output.line("\(Output.cell(result["deleted"])) deleted, \(Output.cell(result["notFound"])) not found")
    }
}
