import Foundation
import HypencoderRPC

/// One subcommand: its name, its `--help` text, and what it does. Each lives in its own
/// file under `Commands/`; `main.swift` lists them.
protocol Command {
    static var name: String { get }
    /// One line for the overview in `hypencoder --help`.
    static var summary: String { get }
    /// The full `hypencoder NAME --help` text (usage line first).
    static var help: String { get }
    static func run(_ arguments: inout ArgumentList, _ context: ClientContext) throws
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
    let name: String
    let summary: String
    let help: String
    let run: (inout ArgumentList, ClientContext) throws -> Void

    init<C: Command>(_ type: C.Type) {
        name = C.name
        summary = C.summary
        help = C.help
        run = { arguments, context in try C.run(&arguments, context) }
    }
}
