import HypencoderRPC

/// The flag table: each flag, the config-file key it sets, and its help line. `--help` is
/// generated from this table, so every option is documented by construction.
extension ConfigurationLoader {
    struct Option: Sendable {
        enum Kind: Sendable { case string, integer, number, integerList }
        let flag: String
        let placeholder: String
        /// Path of the config-file member, e.g. ["limits", "maxBatchLength"].
        let key: [String]
        let kind: Kind
        let help: String

        func apply(_ text: String, _ object: inout JSONObject) throws {
            let value: JSONValue
            switch kind {
            case .string:
                value = .string(text)
            case .integer:
                guard let n = Int64(text) else { throw failure("an integer", text) }
                value = .integer(n)
            case .number:
                guard let n = Double(text) else { throw failure("a number", text) }
                value = .double(n)
            case .integerList:
                // Repeatable and comma-separated: --allow-uid 1000 --allow-uid 1001,1002
                var list = object[key[0]]?.arrayValue ?? []
                for part in text.split(separator: ",") {
                    guard let n = Int64(part) else { throw failure("a list of integers", text) }
                    list.append(.integer(n))
                }
                value = .array(list)
            }
            if key.count == 1 {
                object[key[0]] = value
            } else {
                var inner = object[key[0]]?.objectValue ?? JSONObject()
                inner[key[1]] = value
                object[key[0]] = .object(inner)
            }
        }

        private func failure(_ expected: String, _ text: String) -> Failure {
            Failure(.usage, "\(flag): expected \(expected), got \"\(text.prefix(40))\"")
        }
    }

    static let options: [Option] = [
        Option(
            flag: "--model", placeholder: "DIR", key: ["model"], kind: .string,
            help:
                "Hypencoder model directory (config.json, weights, vocab.txt). Default: $HYPENCODER_MODEL if set, else ${XDG_DATA_HOME:-$HOME/.local/share}/hypencoder/default-model if it exists (Scripts/default-model creates that link). With none of these the daemon starts, and model methods answer with an error saying no model is loaded."
        ),
        Option(
            flag: "--index", placeholder: "DIR", key: ["index"], kind: .string,
            help: "Index directory, created if absent. Requires --model (vectors are tied to the model)."),
        Option(
            flag: "--socket", placeholder: "PATH", key: ["socket"], kind: .string,
            help:
                "Unix socket path (< 108 bytes). Default: $XDG_RUNTIME_DIR/hypencoder.sock; else /run/hypencoder/hypencoder.sock as root; else /tmp/hypencoder-$UID.sock. Ignored under socket activation (LISTEN_FDS)."
        ),
        Option(
            flag: "--socket-mode", placeholder: "OCTAL", key: ["socketMode"], kind: .string,
            help: "Permission bits of the socket file. Default 0600."),
        Option(
            flag: "--allow-uid", placeholder: "UID[,UID]", key: ["allowUids"], kind: .integerList,
            help: "Peer uids allowed to connect (SO_PEERCRED); repeatable. Default: the daemon's own uid."),
        Option(
            flag: "--allow-gid", placeholder: "GID[,GID]", key: ["allowGids"], kind: .integerList,
            help: "Peer primary gids allowed to connect; repeatable. Default: none."),
        Option(
            flag: "--workers", placeholder: "N", key: ["workers"], kind: .integer,
            help: "Worker threads running model and index work (1-64). Default 2."),
        Option(
            flag: "--log-level", placeholder: "LEVEL", key: ["logLevel"], kind: .string,
            help: "error, warn, info or debug. Default info. Document text is logged only at debug."),
        Option(
            flag: "--max-message-bytes", placeholder: "N", key: ["limits", "maxMessageBytes"], kind: .integer,
            help: "Largest message body accepted (limit message.bytes). Default 16777216."),
        Option(
            flag: "--max-batch", placeholder: "N", key: ["limits", "maxBatchLength"], kind: .integer,
            help: "Most requests in one batch (limit batch.length). Default 1000."),
        Option(
            flag: "--max-in-flight", placeholder: "N", key: ["limits", "maxInFlightPerConnection"], kind: .integer,
            help: "Most queued or running requests per connection (limit connection.inFlight). Default 256."),
        Option(
            flag: "--max-connections", placeholder: "N", key: ["limits", "maxConnections"], kind: .integer,
            help: "Most simultaneous connections (limit server.connections). Default 256."),
        Option(
            flag: "--max-unsent-bytes", placeholder: "N", key: ["limits", "maxUnsentReplyBytes"], kind: .integer,
            help: "Unsent reply bytes per client above which the daemon stops reading from it until they drain. Default 4194304."),
        Option(
            flag: "--max-json-depth", placeholder: "N", key: ["limits", "maxJSONDepth"], kind: .integer,
            help: "Deepest JSON nesting accepted (limit json.depth). Default 64."),
        Option(
            flag: "--drain-timeout", placeholder: "SECONDS", key: ["drainTimeoutSeconds"], kind: .number,
            help: "On SIGTERM/SIGINT/exit, how long to wait for in-flight work and unsent replies. Default 10."),
    ]

    static var helpText: String {
        var lines = [
            "Usage: hypencoderd [options]",
            "",
            "Hypencoder retrieval daemon: JSON-RPC 2.0 over a Unix socket (LSP Content-Length or",
            "newline-delimited framing, detected per connection).",
            "",
            "Options:",
            "  --config FILE",
            "      JSON config file; keys: \(topLevelKeys.sorted().joined(separator: ", ")),",
            "      limits: {\(limitKeys.sorted().joined(separator: ", "))}. Flags override the file.",
            "      SIGHUP re-reads it and applies logLevel and limits.",
        ]
        for option in options {
            lines.append("  \(option.flag) \(option.placeholder)")
            lines.append("      \(option.help)")
        }
        lines += [
            "  --debug-methods",
            "      Also serve debug/sleep {milliseconds} (cancellable wait) for testing clients.",
            "  --help     Show this text.",
            "  --version  Print the version.",
            "",
            "Signals: SIGTERM/SIGINT drain in-flight work, checkpoint the index, remove the socket",
            "and exit 0. SIGHUP reloads the log level and limits.",
            "Exit status:",
            "  0   stopped cleanly (SIGTERM/SIGINT, or the exit method after shutdown); --help, --version",
            "  1   cannot start (model, index or socket; the log says which), or exit without shutdown",
            "  64  usage error: unknown option, option without its value, bad option value",
            "  78  config file unreadable, not a JSON object, or with an unknown key or bad value",
            "systemd: Type=notify (READY=1, STATUS=, WATCHDOG=1 via $NOTIFY_SOCKET), socket",
            "activation through LISTEN_FDS/LISTEN_PID (fd 3).",
            "OpenBLAS reads OPENBLAS_CORETYPE when it loads; the chosen kernel is logged at start.",
            "OPENBLAS_NUM_THREADS defaults to the cores divided by --workers (at least 1), so a long",
            "index/add does not starve the searches running beside it.",
        ]
        return lines.joined(separator: "\n")
    }
}
