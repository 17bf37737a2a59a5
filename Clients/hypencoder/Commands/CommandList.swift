import CommandLineOptions

/// Every command, in the order `hypencoder --help` lists them. (Outside `main.swift`, so
/// tests can read the tables: globals there exist only once the program's top level runs.)
let commands: [CommandEntry] = [
    CommandEntry(StatusCommand.self), CommandEntry(InfoCommand.self), CommandEntry(SearchCommand.self),
    CommandEntry(ScoreCommand.self), CommandEntry(AddCommand.self), CommandEntry(DeleteCommand.self),
    CommandEntry(GetCommand.self), CommandEntry(ImportCommand.self), CommandEntry(IndexCommand.self),
    CommandEntry(CollectionsCommand.self), CommandEntry(CheckpointCommand.self),
    CommandEntry(CompactCommand.self), CommandEntry(CallCommand.self), CommandEntry(EvalCommand.self),
]

/// The options before the command name, and `hypencoder --help`.
let overview = OptionTable(
    command: "hypencoder",
    discussion: "Command-line client of the hypencoderd retrieval daemon.",
    options: [CommandEntry.socketOption, .help, .version],
    usage: ["hypencoder [--socket PATH] COMMAND [ARGS] [--json]", "hypencoder --help | --version"],
    sections: [
        HelpSection("Commands", rows: commands.map { ($0.name, $0.summary) }),
        HelpSection(
            "",
            text: """
                Run `hypencoder COMMAND --help` for a command's options, `hypencoder --version` for the
                version (the daemon reports its own in `hypencoder status`).
                """),
        HelpSection(
            "Exit status",
            rows: [
                ("0", "success"),
                ("1", "the daemon answered with an error (its message is printed on stderr)"),
                ("64", "usage error (unknown command or option, bad argument)"),
                ("65", "malformed input file (JSONL, ids, vectors, qrels)"),
                ("66", "input file missing or unreadable"),
                ("69", "cannot connect to the daemon (not running, wrong socket, permission)"),
                ("73", "cannot write an output file"),
                ("76", "the daemon closed the connection or sent something that is not JSON-RPC"),
            ]),
    ])
