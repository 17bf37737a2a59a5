import Foundation
import HypencoderIndex
import HypencoderRPC

/// Limits that protect the daemon from one slow or hostile client (DESIGN.md §4). Each has
/// a stable name that appears in the JSON-RPC error a client gets when it goes past it
/// (`data.limit`), so the client knows which knob an operator would turn.
/// All of them can change at run time (SIGHUP); the message size and JSON depth apply to
/// connections opened after the reload, the others at once.
public struct ServerLimits: Sendable, Equatable {
    /// Largest message body, in bytes (`message.bytes`).
    public var maxMessageBytes = 16 << 20
    /// Most elements in one batch (`batch.length`).
    public var maxBatchLength = 1_000
    /// Most requests of one connection queued or running at once (`connection.inFlight`).
    public var maxInFlightPerConnection = 256
    /// Most simultaneous client connections (`server.connections`).
    public var maxConnections = 256
    /// Replies waiting to be sent to one client beyond which the daemon stops reading from
    /// it until they drain (backpressure, not an error).
    public var maxUnsentReplyBytes = 4 << 20
    /// Deepest JSON nesting accepted (`json.depth`).
    public var maxJSONDepth = 64

    public init() {}

    var framingLimits: FramingLimits { FramingLimits(maxMessageBytes: maxMessageBytes) }

    var parseOptions: RPCParseOptions {
        RPCParseOptions(json: JSONParseOptions(maxDepth: maxJSONDepth), maxBatchLength: maxBatchLength)
    }
}

/// Everything `hypencoderd` can be told, from defaults, a JSON config file and flags
/// (flags win over the file, the file over defaults; see `ConfigurationLoader`).
public struct DaemonConfiguration: Sendable {
    /// The model directory. Without one the daemon still starts and serves the index
    /// read paths that need no model (`index/get`, `index/stats`, ...) and answers model
    /// methods with a clear error: a daemon that refuses to start is harder to diagnose
    /// under systemd than one that says what is missing.
    public var modelDirectory: String?
    /// Where `modelDirectory` came from: "--model" (flag or config file), or the default
    /// model's origin (`DefaultModelLocation`). Logged at start.
    public var modelOrigin = "--model"
    /// The index directory, created if absent. Needs a model (vectors are tied to it).
    public var indexDirectory: String?
    /// How a *new* index (and each new collection) stores its vectors; nil: f32. When set, an
    /// existing index or collection that stores another type is a start-up error
    /// (`IndexOptions.requireStorage`); when nil, each keeps the type it was created with.
    public var vectorStorage: VectorStorageType?
    public var socketPath: String = DaemonConfiguration.defaultSocketPath()
    /// Permission bits of the socket file: who may connect at all (before SO_PEERCRED).
    public var socketMode: UInt32 = 0o600
    /// Peers whose uid is in this list, or whose gid is in `allowedGIDs`, may talk to us.
    public var allowedUIDs: [UInt32] = [getuid()]
    public var allowedGIDs: [UInt32] = []
    /// Threads that run handlers (model and index work).
    public var workers = 2
    /// Threads that run the pieces of one request (`CoreScheduler`); nil: the CPUs the
    /// process may run on (`CoreScheduler.availableCores()`).
    public var threads: Int?
    public var logLevel: LogLevel = .info
    public var limits = ServerLimits()
    /// On SIGTERM, how long to wait for in-flight work and unsent replies before closing.
    public var drainTimeoutSeconds = 10.0
    /// When collections reclaim dead rows by themselves (nil: only on `index/compact`).
    public var compaction: CompactionPolicy? = CompactionPolicy()
    /// Registers `debug/sleep` (see `DebugHandlers`), for testing clients and the daemon.
    public var debugMethods = false
    /// The config file this came from, re-read on SIGHUP.
    public var configFile: String?

    public init() {}

    /// The socket when `--socket` is not given: `SocketPath.default` in HypencoderRPC
    /// (`$XDG_RUNTIME_DIR/hypencoder.sock`, else `/run/hypencoder/hypencoder.sock` for
    /// root, else `/tmp/hypencoder-$UID.sock`), the very function the clients fall back on,
    /// so daemon and clients cannot disagree about it.
    public static func defaultSocketPath(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        SocketPath.default(environment: environment)
    }
}

/// The daemon's version, reported by `initialize`, `server/status` and `--version`: the
/// product version in HypencoderRPC, so the daemon and `hypencoder --version` always agree.
public enum DaemonVersion {
    public static let name = "hypencoderd"
    public static let version = HypencoderVersion.string
}
