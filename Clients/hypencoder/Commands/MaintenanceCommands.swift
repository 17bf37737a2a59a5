import CommandLineOptions
import HypencoderRPC

/// `hypencoder checkpoint`: writes a checkpoint so start-up replays less log.
enum CheckpointCommand: Command {
    static let options = OptionTable(
        command: "hypencoder checkpoint",
        abstract: "write an index checkpoint (shorter start-up)",
        discussion: """
            Writes a checkpoint of the index (JSON-RPC method index/checkpoint), so the next
            start-up replays less write-ahead log.
            """,
        options: [jsonOption, collectionOption])

    static func run(_ arguments: ParsedArguments, _ context: ClientContext) throws {
        try runMaintenance("index/checkpoint", "checkpoint written", arguments, context)
    }
}

/// `hypencoder compact`: drops deleted rows from the vector files.
enum CompactCommand: Command {
    static let options = OptionTable(
        command: "hypencoder compact",
        abstract: "drop deleted rows from the index files",
        discussion: "Rewrites the index without deleted rows (JSON-RPC method index/compact).",
        options: [jsonOption, collectionOption])

    static func run(_ arguments: ParsedArguments, _ context: ClientContext) throws {
        try runMaintenance("index/compact", "index compacted", arguments, context)
    }
}

private let jsonOption = Option.flag("--json", help: #"print the daemon's result ({"documents"})"#)
private let collectionOption = Option.value(
    "--collection", "NAME", help: "this collection (default: the daemon's index directory)")

private func runMaintenance(_ method: String, _ done: String, _ arguments: ParsedArguments, _ context: ClientContext) throws {
    let json = arguments.flag("--json")
    let result = try context.call(method, arguments.value("--collection").map { ["collection": .string($0)] })
    if json { return Output.json(result) }
    Output.line("\(done): \(Output.cell(result["documents"])) documents")
}
