import CommandLineOptions
import Foundation
import HypencoderRPC

/// One subcommand: its option table and what it does. Each lives in its own file under
/// `Commands/`; `main.swift` lists them.
protocol Command {
    /// Its name (the last word of `command`), the line for `hypencoder --help` (`abstract`),
    /// its options and positionals, and its help prose: `hypencoder NAME --help` and the
    /// parsing both come from this table, so they cannot disagree.
    static var options: OptionTable { get }
    /// Runs with the arguments the table accepted. A mistake the table cannot express (two
    /// flags that exclude each other) is thrown as a `UsageError`, which `main` explains
    /// with the command's usage, like the table's own, and turns into exit status 64.
    static func run(_ arguments: ParsedArguments, _ context: ClientContext) throws
}

/// What every command shares: where the daemon is and a lazily opened connection, so
/// `--help` and usage errors never need a running daemon.
final class ClientContext {
    let socketPath: String
    private var opened: RPCConnection?

    init(socketPath: String) { self.socketPath = socketPath }

    func connection() throws -> RPCConnection {
        if let opened { return opened }
        let made = try RPCConnection(path: socketPath)
        opened = made
        return made
    }

    func call(_ method: String, _ params: JSONValue? = nil) throws -> JSONValue {
        try connection().call(method, params)
    }
}

/// A subcommand as plain values, for the table in `main.swift`. (Calling static members
/// through an existential `any Command.Type` crashes the Swift 6.3 compiler in SILGen, and
/// closures are simpler to read anyway.)
struct CommandEntry {
    /// The command's own options plus `everyCommand`.
    let options: OptionTable
    let run: (ParsedArguments, ClientContext) throws -> Void

    var name: String { options.name }
    var summary: String { options.abstract }

    init<C: Command>(_ type: C.Type) {
        var options = C.options
        options.options += Self.everyCommand
        self.options = options
        run = { arguments, context in try C.run(arguments, context) }
    }

    /// Accepted by every command: `--help`, and `--socket` after the command name as well as
    /// before it (`hypencoder status --socket S`); `hypencoder --help` documents `--socket`.
    static let everyCommand: [Option] = [.help, socketOption.hidden()]

    static let socketOption = Option.value(
        "--socket", "PATH",
        help: "the daemon's socket; else $HYPENCODER_SOCKET, else $XDG_RUNTIME_DIR/hypencoder.sock, "
            + "else /run/hypencoder/hypencoder.sock for root, else /tmp/hypencoder-$UID.sock (the daemon's own default)")
}
