import CommandLineOptions
import HypencoderRPC

/// `hypencoder info`: what the daemon serves: the model (`model/info`) and the index
/// (`index/stats`). Either may be absent; that is reported, not an error.
enum InfoCommand: Command {
    static let options = OptionTable(
        command: "hypencoder info",
        abstract: "the loaded model and the open index",
        discussion: """
            Shows the model (model/info) and the index (index/stats). A daemon started without
            a model or an index says so instead of failing.
            """,
        options: [.flag("--json", help: #"print {"model": ..., "index": ...} as JSON (null where absent)"#)])

    static func run(_ arguments: ParsedArguments, _ context: ClientContext) throws {
        let json = arguments.flag("--json")
        let model = try optional { try context.call("model/info") }
        let index = try optional { try context.call("index/stats") }
        if json { return Output.json(["model": model ?? .null, "index": index ?? .null]) }
        var rows: [[String]] = []
        if let model {
            rows += [
                ["model", Output.cell(model["directory"])],
                ["fingerprint", Output.cell(model["fingerprint"])],
                ["encoder", "\(Output.cell(model["layers"])) layers, hidden size \(Output.cell(model["hiddenSize"]))"],
                ["document vector", "\(Output.cell(model["documentDimension"])) floats"],
                ["q-net", Output.cell(model["qnetDimensions"])],
                [
                    "max tokens",
                    "query \(Output.cell(model["queryMaxLength"])), document \(Output.cell(model["documentMaxLength"]))",
                ],
                ["BLAS", Output.cell(model["blas"])],
            ]
        } else {
            rows.append(["model", "none loaded"])
        }
        if let index {
            rows += [
                ["index", Output.cell(index["directory"])],
                ["documents", Output.cell(index["documents"])],
                ["slots", Output.cell(index["slots"])],
                ["storage", "\(Output.cell(index["storage"])) × \(Output.cell(index["dimension"]))"],
            ]
        } else {
            rows.append(["index", "none open"])
        }
        Output.table(nil, rows)
    }

    /// The result, or nil when the daemon says "no model/index loaded" (-32020/-32021).
    private static func optional(_ body: () throws -> JSONValue) throws -> JSONValue? {
        do { return try body() } catch let error as ClientError where error.rpcCode == -32020 || error.rpcCode == -32021 {
            return nil
        }
    }
}
