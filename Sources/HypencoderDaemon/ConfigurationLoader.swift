import CommandLineOptions
import Foundation
import HypencoderIndex
import HypencoderRPC

/// Builds a `DaemonConfiguration` from command-line flags and an optional JSON config file.
///
/// Both sources speak the same keys: every flag is turned into the config-file member of the
/// same meaning (`--max-batch 10` → `"limits": {"maxBatchLength": 10}`), the flag object is
/// laid over the file's object, and one decoder reads the result. So the two can never
/// disagree about names, types or ranges, and flags win over the file by construction.
/// Errors name the flag or the file key (`config.limits.maxBatchLength: expected ...`).
public struct ConfigurationLoader: Sendable {
    public enum Outcome: Sendable {
        case run(DaemonConfiguration)
        case help(String)
        case version(String)
    }

    /// Why the configuration was refused, and whose mistake it is: `main` exits with
    /// `exitStatus`, so a script or systemd can tell a mistyped command line (EX_USAGE, as the
    /// clients use) from a broken config file (EX_CONFIG).
    public struct Failure: Error, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            /// An unknown flag, a flag without its value, or a flag value of the wrong type or range.
            case usage
            /// The config file cannot be read, is not a JSON object, or has a bad key or value.
            case configuration
        }

        public var kind: Kind
        public var description: String

        public init(_ kind: Kind, _ description: String) {
            self.kind = kind
            self.description = description
        }

        /// 64 (EX_USAGE) or 78 (EX_CONFIG) from BSD `sysexits.h`.
        public var exitStatus: Int32 { kind == .usage ? 64 : 78 }
    }

    /// The flags as config-file members, kept so SIGHUP can re-read the file and still let
    /// flags win.
    private var flagValues = JSONObject()
    private var configFile: String?
    /// Read for the default model (`DefaultModelLocation`); injectable for tests.
    private let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// Parses `arguments` (without the program name) with `commandLine` and loads the config
    /// file they name. The flags are applied left to right, so a repeated one's last value
    /// wins and `--allow-uid` lists accumulate.
    public mutating func load(arguments: [String]) throws -> Outcome {
        let parsed: ParsedArguments
        do {
            parsed = try Self.commandLine.parse(arguments)
        } catch let error as UsageError {
            throw Failure(.usage, "\(error.message) (see --help)")
        }
        if parsed.flag("--help") { return .help(Self.helpText) }
        if parsed.flag("--version") { return .version("\(DaemonVersion.name) \(DaemonVersion.version)") }
        configFile = parsed.value("--config")
        if parsed.flag("--debug-methods") { flagValues["debugMethods"] = true }
        for given in parsed.occurrences {
            guard let flag = Self.options.first(where: { $0.flag == given.name }), let text = given.value else { continue }
            flag.apply(text, &flagValues)
        }
        return .run(try resolve())
    }

    /// Reads the config file (again) and applies the flags over it. SIGHUP calls this.
    ///
    /// The flags are decoded once on their own first, so a bad flag value (`--workers 0`) is
    /// a usage failure, and anything wrong after the file is laid under them is the file's.
    public func resolve() throws -> DaemonConfiguration {
        do {
            _ = try Self.decode(ParamsReader(.object(flagValues), path: "config"))
        } catch let error as RPCError {
            throw Failure(.usage, error.message)
        }
        var merged = JSONObject()
        if let configFile {
            guard let data = FileManager.default.contents(atPath: configFile) else {
                throw Failure(.configuration, "cannot read config file \(configFile)")
            }
            do {
                guard case .object(let object) = try JSONValue.parse(Array(data)) else {
                    throw Failure(.configuration, "config file \(configFile): expected a JSON object")
                }
                merged = object
            } catch let error as JSONParseError {
                throw Failure(.configuration, "config file \(configFile): \(error)")
            }
        }
        for (key, value) in flagValues {
            if case .object(let inner) = value, case .object(var existing)? = merged[key] {
                for (innerKey, innerValue) in inner { existing[innerKey] = innerValue }
                merged[key] = .object(existing)
            } else {
                merged[key] = value
            }
        }
        do {
            var configuration = try Self.decode(ParamsReader(.object(merged), path: "config"))
            configuration.configFile = configFile
            if configuration.modelDirectory == nil, let found = DefaultModelLocation.find(environment: environment) {
                configuration.modelDirectory = found.path
                configuration.modelOrigin = found.origin
            }
            return configuration
        } catch let error as RPCError {
            throw Failure(
                configFile == nil ? .usage : .configuration,
                configFile.map { "\($0): " }.map { $0 + error.message } ?? error.message)
        }
    }

    // MARK: Decoding

    static let topLevelKeys: Set<String> = [
        "model", "index", "vectors", "socket", "socketMode", "allowUids", "allowGids", "workers", "threads",
        "logLevel", "limits", "drainTimeoutSeconds", "debugMethods", "compaction",
    ]
    static let limitKeys: Set<String> = [
        "maxMessageBytes", "maxBatchLength", "maxInFlightPerConnection", "maxConnections",
        "maxUnsentReplyBytes", "maxJSONDepth",
    ]

    static func decode(_ reader: ParamsReader) throws -> DaemonConfiguration {
        try reader.object(allowedKeys: topLevelKeys)
        var c = DaemonConfiguration()
        if reader["model"].isGiven { c.modelDirectory = try reader["model"].string(allowEmpty: false) }
        if reader["index"].isGiven { c.indexDirectory = try reader["index"].string(allowEmpty: false) }
        if reader["vectors"].isGiven {
            let name = try reader["vectors"].choice(VectorStorageType.allCases.map(\.rawValue))
            c.vectorStorage = VectorStorageType(rawValue: name)
        }
        if reader["socket"].isGiven { c.socketPath = try reader["socket"].string(allowEmpty: false) }
        if reader["socketMode"].isGiven {
            let text = try reader["socketMode"].string()
            guard let mode = UInt32(text, radix: 8), mode <= 0o777 else {
                throw reader["socketMode"].error("expected octal permission bits such as \"0600\", got \"\(text.prefix(20))\"")
            }
            c.socketMode = mode
        }
        if reader["allowUids"].isGiven {
            c.allowedUIDs = try reader["allowUids"].array().map { UInt32(try $0.int(in: 0...Int(UInt32.max - 1))) }
        }
        if reader["allowGids"].isGiven {
            c.allowedGIDs = try reader["allowGids"].array().map { UInt32(try $0.int(in: 0...Int(UInt32.max - 1))) }
        }
        c.workers = try reader["workers"].int(in: 1...64, default: c.workers)
        if reader["threads"].isGiven { c.threads = try reader["threads"].int(in: 1...1024) }
        if reader["logLevel"].isGiven {
            let name = try reader["logLevel"].choice(LogLevel.allCases.map(\.name))
            c.logLevel = LogLevel(name: name) ?? .info
        }
        c.debugMethods = try reader["debugMethods"].bool(default: false)
        c.drainTimeoutSeconds = try reader["drainTimeoutSeconds"].double(in: 0...3600, default: c.drainTimeoutSeconds)
        let compaction = reader["compaction"]
        if compaction.isGiven {
            try compaction.object(allowedKeys: ["minDeadSlots", "deadFraction", "maxDeadBytes"])
            var policy = c.compaction ?? CompactionPolicy()
            let minimum = try compaction["minDeadSlots"].int(in: 0...Int(Int32.max), default: policy.minDeadSlots)
            policy.minDeadSlots = max(1, minimum)
            policy.deadFraction = try compaction["deadFraction"].double(in: 0.01...1, default: policy.deadFraction)
            policy.maxDeadBytes = try compaction["maxDeadBytes"].int(in: 1024...Int(Int32.max), default: policy.maxDeadBytes)
            c.compaction = minimum == 0 ? nil : policy
        }
        let limits = reader["limits"]
        if limits.isGiven {
            try limits.object(allowedKeys: limitKeys)
            var l = c.limits
            l.maxMessageBytes = try limits["maxMessageBytes"].int(in: 64...(1 << 30), default: l.maxMessageBytes)
            l.maxBatchLength = try limits["maxBatchLength"].int(in: 1...100_000, default: l.maxBatchLength)
            l.maxInFlightPerConnection = try limits["maxInFlightPerConnection"].int(
                in: 1...100_000, default: l.maxInFlightPerConnection)
            l.maxConnections = try limits["maxConnections"].int(in: 1...100_000, default: l.maxConnections)
            l.maxUnsentReplyBytes = try limits["maxUnsentReplyBytes"].int(in: 1024...(1 << 30), default: l.maxUnsentReplyBytes)
            l.maxJSONDepth = try limits["maxJSONDepth"].int(in: 2...JSONParseOptions.depthCeiling, default: l.maxJSONDepth)
            c.limits = l
        }
        return c
    }
}
