import CommandLineOptions
import HypencoderRPC

/// `hypencoder status`: is the daemon up, and how busy is it (`server/status`).
enum StatusCommand: Command {
    static let options = OptionTable(
        command: "hypencoder status",
        abstract: "daemon health: version, uptime, connections, work, memory, model, index",
        discussion: "Shows the daemon's health and counters (JSON-RPC method server/status).",
        options: [.flag("--json", help: "print the daemon's result object as JSON")])

    static func run(_ arguments: ParsedArguments, _ context: ClientContext) throws {
        let json = arguments.flag("--json")
        let status = try context.call("server/status")
        if json { return Output.json(status) }
        var rows: [[String]] = [
            ["version", Output.cell(status["version"])],
            ["uptime", String(format: "%.1f s", status["uptimeSeconds"]?.doubleValue ?? 0)],
            ["shutting down", Output.cell(status["shuttingDown"])],
            ["connections", Output.cell(status["connections"]?["open"])],
            [
                "work",
                "\(Output.cell(status["work"]?["running"])) running, \(Output.cell(status["work"]?["queued"])) queued, \(Output.cell(status["work"]?["workers"])) workers",
            ],
        ]
        if let resident = status["memory"]?["residentBytes"]?.int64Value {
            rows.append(["memory", "\(resident / (1 << 20)) MiB resident"])
        }
        rows.append(["model", modelLine(status["model"])])
        rows.append(["index", indexLine(status["index"])])
        Output.table(nil, rows)
    }

    static func modelLine(_ model: JSONValue?) -> String {
        guard let model, !model.isNull else { return "none loaded" }
        return "\(Output.cell(model["directory"])) (\(Output.cell(model["layers"])) layers, "
            + "vectors of \(Output.cell(model["documentDimension"])), fingerprint \(Output.cell(model["fingerprint"]).prefix(16)))"
    }

    static func indexLine(_ index: JSONValue?) -> String {
        guard let index, !index.isNull else { return "none open" }
        return
            "\(Output.cell(index["directory"])) (\(Output.cell(index["documents"])) documents, \(Output.cell(index["storage"])))"
    }
}
