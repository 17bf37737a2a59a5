import Foundation
import HypencoderDaemon

/// hypencoderd: parse flags and config, load the model and index, serve until stopped.
/// Everything of substance is in HypencoderDaemon so that it can be tested; this file only
/// turns failures into an exit code and a line on stderr.
var loader = ConfigurationLoader()
let configuration: DaemonConfiguration
do {
    switch try loader.load(arguments: Array(CommandLine.arguments.dropFirst())) {
    case .help(let text):
        print(text)
        exit(0)
    case .version(let text):
        print(text)
        exit(0)
    case .run(let loaded):
        configuration = loaded
    }
} catch {
    FileHandle.standardError.write(Data("hypencoderd: \(error)\n".utf8))
    exit(2)
}

Log.shared.level = configuration.logLevel
do {
    let services = try Services.load(configuration)
    let reloader = loader
    let server = try Server(
        configuration: configuration, services: services,
        reloadConfiguration: { try reloader.resolve() })
    exit(try server.run())
} catch {
    Log.shared.error("cannot start: \(error)")
    exit(1)
}
