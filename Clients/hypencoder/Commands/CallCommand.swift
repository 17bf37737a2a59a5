import HypencoderRPC

/// `hypencoder call METHOD [PARAMS_JSON]`: any method, for what has no subcommand.
enum CallCommand: Command {
    static let name = "call"
    static let summary = "call any JSON-RPC method and print its result as JSON"
    static let help = """
        usage: hypencoder call METHOD [PARAMS_JSON] [--compact]

        Sends one request and prints its result as JSON, e.g.
          hypencoder call encode/query '{"text": "what is a hypencoder"}'
        PARAMS_JSON must be an object or an array (JSON-RPC params).
          --compact   one line instead of indented JSON
        """

    static func run(_ arguments: inout ArgumentList, _ context: ClientContext) throws {
        let compact = arguments.flag("--compact")
        _ = arguments.flag("--json")  // the output is JSON anyway
        let positionals = try arguments.finish(positionals: 1...2, usage: help)
        var params: JSONValue?
        if positionals.count == 2 {
            do { params = try JSONValue.parse(positionals[1]) } catch {
                throw ClientError.usage("PARAMS_JSON is not valid JSON: \(error)")
            }
            switch params {
            case .object?, .array?: break
            default:
                throw ClientError.usage("PARAMS_JSON must be an object or an array, got \(params?.typeDescription ?? "nothing")")
            }
        }
        let result = try context.call(positionals[0], params)
        Output.line(compact ? result.serializedString() : Output.pretty(result))
    }
}
