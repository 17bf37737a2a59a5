import Foundation
import HypencoderModel

/// `hypencoder-model`: the model engine without a daemon. Loads a model directory (official
/// Hypencoder layout) and prints facts about it or a query × document score matrix.

let usage = """
    usage: hypencoder-model info DIR [--json]
           hypencoder-model score --model DIR --query TEXT [--query TEXT …]
                                  --document TEXT [--document TEXT …] [--json]

      info     layers, widths, pooling, parameter count, fingerprint and BLAS kernel
      score    one row per query, one column per document; --json prints
               {"scores": [[s(q0,d0), s(q0,d1), …], …]}

    environment:
      OPENBLAS_CORETYPE        force an OpenBLAS kernel (default: chosen for this CPU)
      HYPENCODER_BLAS_SELECT   "off" leaves the kernel choice to OpenBLAS
      HYPENCODER_OPENBLAS      path or soname of the OpenBLAS library to load
    exit codes: 0 ok, 1 model or input error, 64 usage error
    """

func log(_ line: String) {
    FileHandle.standardError.write((line + "\n").data(using: .utf8)!)
}

func run(_ words: [String]) throws {
    guard let command = words.first else { throw UsageError("missing command") }
    let rest = words.dropFirst()
    switch command {
    case "info":
        let arguments = try ArgumentList(rest, valueOptions: [], switches: ["json"])
        guard arguments.positional.count == 1 else { throw UsageError("info takes one model directory") }
        try InfoCommand(directory: arguments.positional[0], json: arguments.has("json")).run()
    case "score":
        let arguments = try ArgumentList(
            rest, valueOptions: ["model", "query", "document"], switches: ["json"])
        guard arguments.positional.isEmpty else {
            throw UsageError("unexpected argument '\(arguments.positional[0])'")
        }
        guard let model = arguments.value("model") else { throw UsageError("score needs --model DIR") }
        let queries = arguments.values("query")
        let documents = arguments.values("document")
        guard !queries.isEmpty else { throw UsageError("score needs at least one --query") }
        guard !documents.isEmpty else { throw UsageError("score needs at least one --document") }
        try ScoreCommand(
            directory: model, queries: queries, documents: documents, json: arguments.has("json")
        ).run()
    case "rank":
        try RankCommand(parsing: rest).run()
    case "-h", "--help", "help":
        print(usage)
    default:
        throw UsageError("unknown command '\(command)'")
    }
}

do {
    try run(Array(CommandLine.arguments.dropFirst()))
} catch let error as UsageError {
    log("hypencoder-model: \(error)\n\n\(usage)")
    exit(64)
} catch {
    log("hypencoder-model: \(error)")
    exit(1)
}
