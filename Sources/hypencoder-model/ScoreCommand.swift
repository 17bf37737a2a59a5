import CommandLineOptions
import Foundation
import HypencoderModel

/// `hypencoder-model score`: the query × document score matrix, as the authors' README
/// prints it, so anyone holding a released checkpoint can compare with their numbers.
struct ScoreCommand {
    static let options = OptionTable(
        command: "hypencoder-model score",
        abstract: "the query × document score matrix, one row per query",
        discussion: "Scores every document for every query, as the authors' README prints them.",
        options: [
            .value("--model", "DIR", help: "a model directory (official Hypencoder layout)").required(),
            .repeated("--query", "TEXT", help: "a query: one row each").required(),
            .repeated("--document", "TEXT", help: "a document: one column each").required(),
            .flag("--json", help: #"print {"scores": [[s(q0,d0), s(q0,d1), …], …]}"#),
            .help,
        ],
        examples: [
            [
                "--model", "hypencoder.6_layer", "--query", "how many states are there in india",
                "--document", "India has 28 states and 8 union territories.",
            ]
        ])

    let directory: String
    let queries: [String]
    let documents: [String]
    let json: Bool

    init(_ arguments: ParsedArguments) {
        directory = arguments["--model"]
        queries = arguments.values("--query")
        documents = arguments.values("--document")
        json = arguments.flag("--json")
    }

    func run() throws {
        let model = try HypencoderModel(directory: directory)
        if let blas = BLAS.selection { log(blas.summary) }
        let scores = try model.score(queries: queries, documents: documents)
        if json {
            let object: [String: Any] = ["scores": scores.map { $0.map(Double.init) }]
            let data = try JSONSerialization.data(withJSONObject: object)
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for (q, row) in scores.enumerated() {
            for (d, score) in row.enumerated() {
                print(String(format: "q%d d%d  %10.4f", q, d, score))
            }
        }
    }
}
