import CommandLineOptions
import Foundation
import HypencoderModel

/// `hypencoder-model info DIR`: what a model directory holds, without running it.
struct InfoCommand {
    static let options = OptionTable(
        command: "hypencoder-model info",
        abstract: "layers, widths, pooling, parameter count, fingerprint and BLAS kernel",
        discussion: "Prints what a model directory holds, without running the model.",
        options: [
            .positional("DIR", help: "a model directory (official Hypencoder layout)"),
            .flag("--json", help: "print the facts as one JSON object"),
            .help,
        ],
        examples: [["hypencoder.6_layer", "--json"]])

    let directory: String
    let json: Bool

    init(_ arguments: ParsedArguments) {
        directory = arguments["DIR"]
        json = arguments.flag("--json")
    }

    func run() throws {
        let checkpoint = try Checkpoint.load(directory: directory)
        let config = checkpoint.config
        var parameters = (checkpoint.queryBert.values.map(\.count) + checkpoint.hyperhead.values.map(\.count))
            .reduce(0, +)
        if !config.sharedEncoder {
            parameters += checkpoint.documentBert.values.map(\.count).reduce(0, +)
        }
        let blas = try BLAS.load()
        let facts: [(String, Any)] = [
            ("directory", directory),
            ("fingerprint", checkpoint.fingerprint),
            (
                "backbone",
                "BERT \(config.bert.layers) layers, hidden \(config.bert.hiddenSize), "
                    + "\(config.bert.heads) heads, FFN \(config.bert.intermediateSize), vocab \(config.bert.vocabSize)"
            ),
            ("qnetHiddenLayers", config.hiddenLayers),
            ("vectorDimensions", config.vectorDimensions),
            ("activation", config.activation.rawValue),
            ("doResidualOnLast", config.doResidualOnLast),
            ("linearLastWeight", config.linearLastWeight),
            ("pooling", config.pooling.rawValue),
            ("sharedEncoder", config.sharedEncoder),
            ("queryMaxLength", config.queryMaxLength),
            ("documentMaxLength", config.documentMaxLength),
            ("parameters", parameters),
            ("blasKernel", blas.corename),
        ]
        if json {
            let object = Dictionary(uniqueKeysWithValues: facts)
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            let width = facts.map(\.0.count).max() ?? 0
            for (name, value) in facts {
                let shown = (value as? [Int]).map { "[" + $0.map(String.init).joined(separator: ", ") + "]" }
                print(name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + (shown ?? "\(value)"))
            }
        }
    }
}
