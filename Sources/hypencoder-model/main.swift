import CommandLineOptions
import Foundation
import HypencoderModel

/// `hypencoder-model`: the model engine without a daemon. Loads a model directory (official
/// Hypencoder layout) and prints facts about it, a query × document score matrix, or a TREC
/// run. Each command's options and help come from its `OptionTable` (see `Commands.swift`).

func log(_ line: String) {
    FileHandle.standardError.write((line + "\n").data(using: .utf8)!)
}

/// `table.parse`, with a usage mistake explained by the table's usage line.
func parse(_ words: [String], _ table: OptionTable, stoppingAtFirstPositional: Bool = false) throws -> ParsedArguments {
    do {
        return try table.parse(words, stoppingAtFirstPositional: stoppingAtFirstPositional)
    } catch let error as UsageError {
        throw UsageError(table.explain(error))
    }
}

func run(_ words: [String]) throws {
    let global = try parse(words, overview, stoppingAtFirstPositional: true)
    guard let name = global.remaining.first, name != "help" else {
        if global.flag("--help") || global.remaining.first == "help" { return print(overview.help) }
        throw UsageError(overview.explain(UsageError("missing command")))
    }
    guard let command = commands.first(where: { $0.options.name == name }) else {
        throw UsageError(overview.explain(UsageError("unknown command '\(name)'")))
    }
    let arguments = global.flag("--help") ? global : try parse(Array(global.remaining.dropFirst()), command.options)
    if arguments.flag("--help") { return print(command.options.help) }
    try command.run(arguments)
}

do {
    try run(Array(CommandLine.arguments.dropFirst()))
} catch let error as UsageError {
    log("hypencoder-model: \(error)")
    exit(64)
} catch {
    log("hypencoder-model: \(error)")
    exit(1)
}
