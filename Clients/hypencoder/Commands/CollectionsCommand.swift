import CommandLineOptions
import HypencoderRPC

/// `hypencoder collections [--drop NAME]`: the daemon's collections (`collection/list`,
/// `collection/drop`).
enum CollectionsCommand: Command {
    static let options = OptionTable(
        command: "hypencoder collections",
        abstract: "list the daemon's collections (indexed folders among them), or drop one",
        discussion: """
            Lists every collection (JSON-RPC method collection/list): the default one (the
            daemon's index directory), collections made by index/add with a collection name, and one per
            folder indexed with `hypencoder index`, with the folder. --drop removes a collection
            and its files (collection/drop); the default one cannot be dropped.
            """,
        options: [
            .value("--drop", "NAME", help: "remove this collection and its files"),
            .flag("--json", help: #"print the daemon's result ({"collections": [{name, documents, slots, directory, root?}]})"#),
        ],
        examples: [[], ["--drop", "ws-notes-1a2b3c4d5e6f"]])

    static func run(_ arguments: ParsedArguments, _ context: ClientContext) throws {
        let json = arguments.flag("--json")
        if let name = arguments.value("--drop") {
            let result = try context.call("collection/drop", ["collection": .string(name)])
            if json { return Output.json(result) }
            return Output.line("dropped \(Output.cell(result["collection"])) (\(Output.cell(result["documents"])) documents)")
        }
        let result = try context.call("collection/list")
        if json { return Output.json(result) }
        let rows = (result["collections"]?.arrayValue ?? []).map { item -> [String] in
            [Output.cell(item["name"]), Output.cell(item["documents"]), item["root"]?.stringValue ?? "-"]
        }
        Output.table(["name", "documents", "folder"], rows)
    }
}
