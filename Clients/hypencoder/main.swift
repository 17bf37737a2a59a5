import CommandLineOptions
import Foundation
import HypencoderRPC

/// `hypencoder`: the command-line client of hypencoderd. It speaks JSON-RPC over the
/// daemon's Unix socket and links only HypencoderRPC and CommandLineOptions (never the
/// model, index or BLAS).
/// Flow: read the options before the command (`overview`), pick the command (`commands`),
/// parse the rest with its option table (`Command.options`), run it; any `ClientError` is
/// printed once on stderr and becomes the exit status (see `ExitStatus` and `--help`).

func runClient(_ rawArguments: [String]) -> ExitStatus {
    do {
        let global: ParsedArguments
        do {
            global = try overview.parse(rawArguments, stoppingAtFirstPositional: true)
        } catch let error as UsageError {
            throw ClientError.usage(overview.explain(error))
        }
        guard let name = global.remaining.first else {
            if global.flag("--help") {
                Output.line(overview.help)
                return .ok
            }
            if global.flag("--version") {
                Output.line("hypencoder \(HypencoderVersion.string)")
                return .ok
            }
            throw ClientError.usage(rawArguments.isEmpty ? overview.help : "no command given; see hypencoder --help")
        }
        guard let command = commands.first(where: { $0.name == name }) else {
            throw ClientError.usage("unknown command \"\(name)\"; commands: \(commands.map(\.name).joined(separator: ", "))")
        }
        // A usage mistake, found by the table or by the command, is explained with its usage.
        do {
            let arguments = global.flag("--help") ? global : try command.options.parse(Array(global.remaining.dropFirst()))
            if arguments.flag("--help") {
                Output.line(command.options.help)
                return .ok
            }
            let socket = SocketPath.resolve(
                flag: arguments.value("--socket") ?? global.value("--socket"), environment: ProcessInfo.processInfo.environment)
            try command.run(arguments, ClientContext(socketPath: socket))
        } catch let error as UsageError {
            throw ClientError.usage(command.options.explain(error))
        }
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
