import CommandLineOptions
import HypencoderRPC

/// `hypencoder call METHOD [PARAMS_JSON]`: any method, for what has no subcommand.
enum CallCommand: Command {
    static let options = OptionTable(
        command: "hypencoder call",
        abstract: "call any JSON-RPC method and print its result as JSON",
        discussion: "Sends one request and prints its result as JSON.",
        options: [
            .positional("METHOD", help: "the JSON-RPC method, e.g. index/stats"),
            .positional("PARAMS_JSON", count: 0...1, help: "its params: a JSON object or array"),
            .flag("--compact", help: "one line instead of indented JSON"),
            .flag("--json", help: "the output is JSON anyway").hidden(),
        ],
        examples: [["encode/query", #"{"text": "what is a hypencoder"}"#], ["index/stats", "--compact"]])

    static func run(_ arguments: ParsedArguments, _ context: ClientContext) throws {
        let compact = arguments.flag("--compact")
        var params: JSONValue?
        if let text = arguments.value("PARAMS_JSON") {
            do { params = try JSONValue.parse(text) } catch {
                throw UsageError("PARAMS_JSON is not valid JSON: \(error)")
            }
            switch params {
            case .object?, .array?: break
            default:
                throw UsageError("PARAMS_JSON must be an object or an array, got \(params?.typeDescription ?? "nothing")")
            }
        }
        let result = try context.call(arguments["METHOD"], params)
        Output.line(compact ? result.serializedString() : Output.pretty(result))
    }
}
