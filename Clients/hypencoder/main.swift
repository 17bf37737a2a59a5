import Foundation
import HypencoderRPC

/// `hypencoder`: the command-line client of hypencoderd. It speaks JSON-RPC over the
/// daemon's Unix socket and links HypencoderRPC only (never the model, index or BLAS).
/// Flow: pick the subcommand, let it read its flags, run it; any `ClientError` is printed
/// once on stderr and becomes the exit status (see `ExitStatus` and `--help`).

let commands: [CommandEntry] = [
    CommandEntry(StatusCommand.self), CommandEntry(InfoCommand.self), CommandEntry(SearchCommand.self),
    CommandEntry(ScoreCommand.self), CommandEntry(AddCommand.self), CommandEntry(DeleteCommand.self),
    CommandEntry(GetCommand.self), CommandEntry(ImportCommand.self), CommandEntry(CheckpointCommand.self),
    CommandEntry(CompactCommand.self), CommandEntry(CallCommand.self), CommandEntry(EvalCommand.self),
]

let overview = """
    usage: hypencoder [--socket PATH] COMMAND [ARGS] [--json]
           hypencoder --help | --version

    Command-line client of the hypencoderd retrieval daemon.

    Commands:
    \(commands.map { "  " + $0.name.padding(toLength: 12, withPad: " ", startingAt: 0) + $0.summary }.joined(separator: "\n"))

    Run `hypencoder COMMAND --help` for a command's options, `hypencoder --version` for the
    version (the daemon reports its own in `hypencoder status`).

    Socket: --socket PATH, else $HYPENCODER_SOCKET, else $XDG_RUNTIME_DIR/hypencoder.sock,
    else /run/hypencoder/hypencoder.sock for root, else /tmp/hypencoder-$UID.sock
    (the daemon's own default).

    Exit status:
      0   success
      1   the daemon answered with an error (its message is printed on stderr)
      64  usage error (unknown command or option, bad argument)
      65  malformed input file (JSONL, ids, vectors, qrels)
      66  input file missing or unreadable
      69  cannot connect to the daemon (not running, wrong socket, permission)
      73  cannot write an output file
      76  the daemon closed the connection or sent something that is not JSON-RPC
    """

func runClient(_ rawArguments: [String]) -> ExitStatus {
    var arguments = ArgumentList(rawArguments)
    do {
        let socketFlag = try arguments.option("--socket")
        guard let name = arguments.items.first(where: { !$0.hasPrefix("-") }) else {
            if arguments.flag("--help") || arguments.flag("-h") {
                Output.line(overview)
                return .ok
            }
            if arguments.flag("--version") {
                Output.line("hypencoder \(HypencoderVersion.string)")
                return .ok
            }
            throw ClientError.usage(rawArguments.isEmpty ? overview : "no command given; see hypencoder --help")
        }
        guard let command = commands.first(where: { $0.name == name }) else {
            throw ClientError.usage("unknown command \"\(name)\"; commands: \(commands.map(\.name).joined(separator: ", "))")
        }
        if let index = arguments.items.firstIndex(of: name) {
            arguments = ArgumentList(
                Array(arguments.items[..<index] + arguments.items[(index + 1)...]))
        }
        if arguments.flag("--help") || arguments.flag("-h") {
            Output.line(command.help)
            return .ok
        }
        let socket = SocketPath.resolve(flag: socketFlag, environment: ProcessInfo.processInfo.environment)
        try command.run(&arguments, ClientContext(socketPath: socket))
        return .ok
    } catch let error as ClientError {
        Output.error("hypencoder: \(error.message)")
        return error.status
    } catch {
        Output.error("hypencoder: \(error)")
        return .protocolError
    }
}

exit(runClient(Array(CommandLine.arguments.dropFirst())).rawValue)
