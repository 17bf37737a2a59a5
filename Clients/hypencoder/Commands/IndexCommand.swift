import CommandLineOptions
import Foundation
import HypencoderRPC

/// `hypencoder index DIR...`: a folder of text files as passages (`workspace/index`).
enum IndexCommand: Command {
    static let options = OptionTable(
        command: "hypencoder index",
        abstract: "index folders of text files as passages, for search by file and line",
        discussion: """
            Indexes each DIR (JSON-RPC method workspace/index) in a collection of its own: the
            daemon walks the folder, skips hidden files and folders, what .gitignore, .ignore and
            .hypencoderignore files exclude, binary files and files over --max-file-bytes, splits
            each text file into passages of whole lines that fit the model's window, and stores
            each with its file and line range. Run it again after changes: only files that changed
            are indexed again, and passages of deleted files are removed. `hypencoder search` run
            inside DIR, and the Vim, Neovim and Emacs plugins, then search it and print
            FILE:LINE: for every hit. The daemon reads the files itself, so DIR must be readable
            by the daemon's user, and only that user may ask.
            """,
        options: [
            .positional("DIR", count: 1...Int.max),
            .value(
                "--passage-tokens", "N", help: "word pieces per passage at most (default 128)", check: .integer(16...100_000)),
            .value(
                "--overlap-lines", "N", help: "lines each passage repeats from the one before (default 2)",
                check: .integer(0...50)),
            .value("--max-file-bytes", "N", help: "skip larger files (default 1048576)", check: .integer(1...16_777_216)),
            .flag("--quiet", help: "no progress on stderr"),
            .flag("--json", help: "print the daemon's result for each DIR, one JSON object per line"),
        ],
        examples: [["."], ["~/notes", "~/src/project", "--passage-tokens", "96"]])

    static func run(_ arguments: ParsedArguments, _ context: ClientContext) throws {
        let json = arguments.flag("--json")
        let quiet = arguments.flag("--quiet")
        let connection = try context.connection()
        for directory in arguments.values("DIR") {
            var params: JSONObject = ["root": .string(absolutePath(directory))]
            for (flag, key) in [
                ("--passage-tokens", "passageTokens"), ("--overlap-lines", "overlapLines"), ("--max-file-bytes", "maxFileBytes"),
            ] {
                if let value = arguments.integer(flag) { params[key] = .integer(Int64(value)) }
            }
            let progress = quiet ? nil : ProgressReporter(title: directory, total: 100)
            if let progress {
                params["workDoneToken"] = "index"
                connection.onProgress = { notification in
                    guard let value = notification["params"]?["value"], value["kind"]?.stringValue == "report",
                        let percentage = value["percentage"]?.int64Value
                    else { return }
                    let files = value["message"]?.stringValue?.split(separator: "/").first.flatMap { Int($0) } ?? 0
                    progress.update(done: percentage, count: files, unit: "files")
                }
            }
            let result = try connection.call("workspace/index", .object(params))
            connection.onProgress = nil
            progress?.finish()
            if json {
                Output.json(result)
                continue
            }
            Output.line(summary(of: result, directory: directory))
        }
    }

    /// `DIR: 12 files indexed, 3 unchanged, 1 removed; 140 passages added, 20 removed;
    /// skipped 2 binary, 1 too large (collection ws-…)`.
    static func summary(of result: JSONValue, directory: String) -> String {
        let files = result["files"]
        let passages = result["passages"]
        let skipped = result["skipped"]
        var line =
            "\(directory): \(Output.cell(files?["indexed"])) files indexed, \(Output.cell(files?["unchanged"])) unchanged, "
        line += "\(Output.cell(files?["removed"])) removed; \(Output.cell(passages?["added"])) passages added, "
        line += "\(Output.cell(passages?["removed"])) removed"
        let reasons = [
            ("ignored", "ignored"), ("hidden", "hidden"), ("binary", "binary"), ("tooLarge", "too large"),
            ("unreadable", "unreadable"),
        ].compactMap { key, words -> String? in
            guard let count = skipped?[key]?.int64Value, count > 0 else { return nil }
            return "\(count) \(words)"
        }
        if !reasons.isEmpty { line += "; skipped " + reasons.joined(separator: ", ") }
        return line + " (collection \(Output.cell(result["collection"])))"
    }

    /// `path` made absolute against the current directory (the daemon has its own).
    static func absolutePath(_ path: String) -> String {
        var expanded = path
        if expanded == "~" || expanded.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] {
            expanded = home + expanded.dropFirst()
        }
        if expanded.hasPrefix("/") { return expanded }
        let current = FileManager.default.currentDirectoryPath
        return expanded == "." ? current : current + "/" + expanded
    }
}
