import HypencoderRPC

/// `hypencoder delete ID...`: removes documents (`index/delete`), durable when it returns.
enum DeleteCommand: Command {
    static let name = "delete"
    static let summary = "delete documents by id"
    static let help = """
        usage: hypencoder delete ID... [--json]

        Deletes documents from the index (JSON-RPC method index/delete); durable when it
        returns. Ids that are not stored are counted, not an error.
          --json   print the daemon's result ({"deleted", "notFound"})
        """

    static func run(_ arguments: inout ArgumentList, _ context: ClientContext) throws {
        let json = arguments.flag("--json")
        let ids = try arguments.finish(positionals: 1...Int.max, usage: help)
        let result = try context.call("index/delete", ["ids": .array(ids.map { .string($0) })])
        if json { return Output.json(result) }
        Output.line("\(Output.cell(result["deleted"])) deleted, \(Output.cell(result["notFound"])) not found")
    }
}
