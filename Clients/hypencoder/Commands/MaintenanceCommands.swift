import HypencoderRPC

/// `hypencoder checkpoint`: writes a checkpoint so start-up replays less log.
enum CheckpointCommand: Command {
    static let name = "checkpoint"
    static let summary = "write an index checkpoint (shorter start-up)"
    static let help = """
        usage: hypencoder checkpoint [--json]

        Writes a checkpoint of the index (JSON-RPC method index/checkpoint), so the next
        start-up replays less write-ahead log.
          --json   print the daemon's result ({"documents"})
        """

    static func run(_ arguments: inout ArgumentList, _ context: ClientContext) throws {
        try runMaintenance("index/checkpoint", "checkpoint written", &arguments, context, help)
    }
}

/// `hypencoder compact`: drops deleted rows from the vector files.
enum CompactCommand: Command {
    static let name = "compact"
    static let summary = "drop deleted rows from the index files"
    static let help = """
        usage: hypencoder compact [--json]

        Rewrites the index without deleted rows (JSON-RPC method index/compact).
          --json   print the daemon's result ({"documents"})
        """

    static func run(_ arguments: inout ArgumentList, _ context: ClientContext) throws {
        try runMaintenance("index/compact", "index compacted", &arguments, context, help)
    }
}

private func runMaintenance(
    _ method: String, _ done: String, _ arguments: inout ArgumentList,
    _ context: ClientContext, _ help: String
) throws {
    let json = arguments.flag("--json")
    _ = try arguments.finish(positionals: 0...0, usage: help)
    let result = try context.call(method)
    if json { return Output.json(result) }
    Output.line("\(done): \(Output.cell(result["documents"])) documents")
}
