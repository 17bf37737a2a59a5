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
} catch let failure as ConfigurationLoader.Failure {
    // 64 for a command-line mistake, 78 for a config-file one (see `--help`).
    FileHandle.standardError.write(Data("hypencoderd: \(failure)\n".utf8))
    exit(failure.exitStatus)
} catch {
    FileHandle.standardError.write(Data("hypencoderd: \(error)\n".utf8))
    exit(78)
}

Log.shared.level = configuration.logLevel
do {
    let modelAndIndex = try ModelAndIndex.load(configuration)
    let reloader = loader
    do {
        let server = try Server(
            configuration: configuration, modelAndIndex: modelAndIndex,
            reloadConfiguration: { try reloader.resolve() })
        // `run` throws only while taking or binding the socket, before anything is served.
        exit(try server.run())
    } catch {
        modelAndIndex.abandonStart()
        throw error
    }
} catch {
    Log.shared.error("cannot start: \(error)")
    exit(1)
}
