import CommandLineOptions
import HypencoderRPC

/// The flag table: each flag, the config-file key it sets, and its help line. Parsing and
/// `--help` both come from the shared `OptionTable` built from it (`commandLine`), so every
/// option is documented by construction, and a flag value of the wrong type is refused
/// with the flag's name before the config file is even read.
extension ConfigurationLoader {
    /// A flag that sets one config-file member: the shared option (names, help, the check
    /// of its value's type) and the key and JSON type the value becomes. Ranges are not
    /// checked here but by the one decoder flags and file share (`decode`).
    struct ConfigFlag: Sendable {
        enum Kind: Sendable { case string, integer, number, integerList }
        let option: Option
        /// Path of the config-file member, e.g. ["limits", "maxBatchLength"].
        let key: [String]
        let kind: Kind

        var flag: String { option.name }

        init(flag: String, placeholder: String, key: [String], kind: Kind, help: String) {
            let check: Option.Check? =
                switch kind {
                case .string: nil
                case .integer: .custom(expected: "an integer") { Int64($0) != nil }
                case .number: .custom(expected: "a number") { Double($0) != nil }
                case .integerList:
                    .custom(expected: "a list of integers") { $0.split(separator: ",").allSatisfy { Int64($0) != nil } }
                }
            // Repeatable and comma-separated: --allow-uid 1000 --allow-uid 1001,1002
            option =
                kind == .integerList
                ? .repeated(flag, placeholder, help: help, check: check) : .value(flag, placeholder, help: help, check: check)
            self.key = key
            self.kind = kind
        }

        /// Sets the member for one value given on the command line (already checked).
        func apply(_ text: String, _ object: inout JSONObject) {
            let value: JSONValue
            switch kind {
            case .string: value = .string(text)
            case .integer: value = .integer(Int64(text) ?? 0)
            case .number: value = .double(Double(text) ?? 0)
            case .integerList:
                let list = object[key[0]]?.arrayValue ?? []
                value = .array(list + text.split(separator: ",").map { .integer(Int64($0) ?? 0) })
            }
            if key.count == 1 {
                object[key[0]] = value
            } else {
                var inner = object[key[0]]?.objectValue ?? JSONObject()
                inner[key[1]] = value
                object[key[0]] = .object(inner)
            }
        }
    }

    static let options: [ConfigFlag] = [
        ConfigFlag(
            flag: "--model", placeholder: "DIR", key: ["model"], kind: .string,
            help:
                "Hypencoder model directory (config.json, weights, vocab.txt). Default: $HYPENCODER_MODEL if set, else ${XDG_DATA_HOME:-$HOME/.local/share}/hypencoder/default-model if it exists (Scripts/default-model creates that link). With none of these the daemon starts, and model methods answer with an error saying no model is loaded."
        ),
        ConfigFlag(
            flag: "--index", placeholder: "DIR", key: ["index"], kind: .string,
            help: "Index directory, created if absent. Requires --model (vectors are tied to the model)."),
        ConfigFlag(
            flag: "--vectors", placeholder: "TYPE", key: ["vectors"], kind: .string,
            help:
                "How a new index and its new collections store document vectors: f32 (default, exact), f16 or bf16 (half the memory; scores from 16-bit vectors). An existing index keeps its type; given explicitly, a different stored type is a start-up error (no conversion: index into a new directory)."
        ),
        ConfigFlag(
            flag: "--socket", placeholder: "PATH", key: ["socket"], kind: .string,
            help:
                "Unix socket path (< 108 bytes). Default: $XDG_RUNTIME_DIR/hypencoder.sock; else /run/hypencoder/hypencoder.sock as root; else /tmp/hypencoder-$UID.sock. Ignored under socket activation (LISTEN_FDS)."
        ),
        ConfigFlag(
            flag: "--socket-mode", placeholder: "OCTAL", key: ["socketMode"], kind: .string,
            help: "Permission bits of the socket file. Default 0600."),
        ConfigFlag(
            flag: "--allow-uid", placeholder: "UID[,UID]", key: ["allowUids"], kind: .integerList,
            help: "Peer uids allowed to connect (SO_PEERCRED). Default: the daemon's own uid."),
        ConfigFlag(
            flag: "--allow-gid", placeholder: "GID[,GID]", key: ["allowGids"], kind: .integerList,
            help: "Peer primary gids allowed to connect. Default: none."),
        ConfigFlag(
            flag: "--workers", placeholder: "N", key: ["workers"], kind: .integer,
            help: "Requests run at once, each on its own worker thread (1-64). Default 2."),
        ConfigFlag(
            flag: "--threads", placeholder: "N", key: ["threads"], kind: .integer,
            help: "Threads that split one request over the cores (1-1024). Default: the CPUs this process may use."),
        ConfigFlag(
            flag: "--log-level", placeholder: "LEVEL", key: ["logLevel"], kind: .string,
            help: "error, warn, info or debug. Default info. Document text is logged only at debug."),
        ConfigFlag(
            flag: "--max-message-bytes", placeholder: "N", key: ["limits", "maxMessageBytes"], kind: .integer,
            help: "Largest message body accepted (limit message.bytes). Default 16777216."),
        ConfigFlag(
            flag: "--max-batch", placeholder: "N", key: ["limits", "maxBatchLength"], kind: .integer,
            help: "Most requests in one batch (limit batch.length). Default 1000."),
        ConfigFlag(
            flag: "--max-in-flight", placeholder: "N", key: ["limits", "maxInFlightPerConnection"], kind: .integer,
            help: "Most queued or running requests per connection (limit connection.inFlight). Default 256."),
        ConfigFlag(
            flag: "--max-connections", placeholder: "N", key: ["limits", "maxConnections"], kind: .integer,
            help: "Most simultaneous connections (limit server.connections). Default 256."),
        ConfigFlag(
            flag: "--max-unsent-bytes", placeholder: "N", key: ["limits", "maxUnsentReplyBytes"], kind: .integer,
            help: "Unsent reply bytes per client above which the daemon stops reading from it until they drain. Default 4194304."),
        ConfigFlag(
            flag: "--max-json-depth", placeholder: "N", key: ["limits", "maxJSONDepth"], kind: .integer,
            help: "Deepest JSON nesting accepted (limit json.depth). Default 64."),
        ConfigFlag(
            flag: "--compact-min-dead", placeholder: "N", key: ["compaction", "minDeadSlots"], kind: .integer,
            help:
                "Background compaction of each collection starts when at least N rows are dead (deleted or replaced documents) and (next flag) a large enough share of all rows. Default 1000; 0 turns it off (then only index/compact reclaims them)."
        ),
        ConfigFlag(
            flag: "--compact-dead-fraction", placeholder: "F", key: ["compaction", "deadFraction"], kind: .number,
            help:
                "The share of all rows (or of all stored text) that must be dead for a background compaction (0.01-1). Default 0.5."
        ),
        ConfigFlag(
            flag: "--compact-dead-bytes", placeholder: "N", key: ["compaction", "maxDeadBytes"], kind: .integer,
            help:
                "Background compaction also starts when dead versions hold N bytes of text and metadata (and the share above of all of it). Default 16777216."
        ),
        ConfigFlag(
            flag: "--drain-timeout", placeholder: "SECONDS", key: ["drainTimeoutSeconds"], kind: .number,
            help: "On SIGTERM/SIGINT/exit, how long to wait for in-flight work and unsent replies. Default 10."),
    ]

    /// Everything `hypencoderd` accepts: `--config`, the config flags, `--debug-methods`,
    /// `--help`, `--version`; `load` parses with it and `--help` prints it.
    static let commandLine = OptionTable(
        command: "hypencoderd",
        discussion: """
            Hypencoder retrieval daemon: JSON-RPC 2.0 over a Unix socket (LSP Content-Length or
            newline-delimited framing, detected per connection).
            """,
        options: [
            .value(
                "--config", "FILE",
                help: "JSON config file; keys: \(topLevelKeys.sorted().joined(separator: ", ")), "
                    + "limits: {\(limitKeys.sorted().joined(separator: ", "))}. Flags override the file. "
                    + "SIGHUP re-reads it and applies logLevel and limits.")
        ] + options.map(\.option) + [
            .flag("--debug-methods", help: "Also serve debug/sleep {milliseconds} (cancellable wait) for testing clients."),
            .help, .version,
        ],
        usage: ["hypencoderd [options]"],
        sections: [
            HelpSection(
                "Signals",
                rows: [
                    ("SIGTERM, SIGINT", "drain in-flight work, checkpoint the index, remove the socket and exit 0"),
                    ("SIGHUP", "reload the log level and limits"),
                ]),
            HelpSection(
                "Exit status",
                rows: [
                    ("0", "stopped cleanly (SIGTERM/SIGINT, or the exit method after shutdown); --help, --version"),
                    ("1", "cannot start (model, index or socket; the log says which), or exit without shutdown"),
                    ("64", "usage error: unknown option, option without its value, bad option value"),
                    ("78", "config file unreadable, not a JSON object, or with an unknown key or bad value"),
                ]),
            HelpSection(
                "",
                text: """
                    systemd: Type=notify (READY=1, STATUS=, WATCHDOG=1 via $NOTIFY_SOCKET), socket
                    activation through LISTEN_FDS/LISTEN_PID (fd 3).
                    OpenBLAS reads OPENBLAS_CORETYPE when it loads; the chosen kernel is logged at start.
                    OPENBLAS_NUM_THREADS defaults to 1: the daemon splits each request into pieces over
                    --threads cores itself, searches before ingestion, so one request uses every core and a
                    long index/add does not starve the searches beside it. A larger value multiplies threads.
                    """),
        ])

    static var helpText: String { commandLine.help }
}
