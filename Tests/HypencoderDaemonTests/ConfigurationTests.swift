import Foundation
import HypencoderIndex
import HypencoderRPC
import HypencoderTestSupport
import XCTest

@testable import HypencoderDaemon

/// Flag and config-file parsing, in process (the daemon tests cover them end to end).
final class ConfigurationTests: XCTestCase {
    private func load(_ arguments: [String]) throws -> DaemonConfiguration {
        var loader = ConfigurationLoader(environment: [:])
        guard case .run(let configuration) = try loader.load(arguments: arguments) else {
            throw TestFailure("expected a configuration")
        }
        return configuration
    }

    func testDefaultSocketPathFollowsTheDocumentedOrder() {
        XCTAssertEqual(
            DaemonConfiguration.defaultSocketPath(environment: ["XDG_RUNTIME_DIR": "/run/user/1000"]),
            "/run/user/1000/hypencoder.sock")
        let fallback = DaemonConfiguration.defaultSocketPath(environment: [:])
        XCTAssertEqual(fallback, getuid() == 0 ? "/run/hypencoder/hypencoder.sock" : "/tmp/hypencoder-\(getuid()).sock")
    }

    func testFlagsSetEveryOption() throws {
        let c = try load([
            "--model", "/m", "--index", "/i", "--socket", "/s.sock", "--socket-mode", "0660",
            "--allow-uid", "1,2", "--allow-uid", "3", "--allow-gid", "7", "--workers", "3",
            "--log-level", "debug", "--max-message-bytes", "4096", "--max-batch", "8",
            "--max-in-flight", "9", "--max-connections", "10", "--max-unsent-bytes", "65536",
            "--max-json-depth", "12", "--drain-timeout=2.5", "--debug-methods",
            "--compact-min-dead", "50", "--compact-dead-fraction", "0.25", "--compact-dead-bytes", "2048",
            "--vectors", "bf16",
        ])
        XCTAssertEqual(c.modelDirectory, "/m")
        XCTAssertEqual(c.indexDirectory, "/i")
        XCTAssertEqual(c.vectorStorage, .bfloat16)
        XCTAssertNil(try load([]).vectorStorage, "unset: a new index is f32 and an existing one keeps its type")
        XCTAssertEqual(c.socketPath, "/s.sock")
        XCTAssertEqual(c.socketMode, 0o660)
        XCTAssertEqual(c.allowedUIDs, [1, 2, 3])
        XCTAssertEqual(c.allowedGIDs, [7])
        XCTAssertEqual(c.workers, 3)
        XCTAssertEqual(c.logLevel, .debug)
        XCTAssertEqual(c.limits.maxMessageBytes, 4096)
        XCTAssertEqual(c.limits.maxBatchLength, 8)
        XCTAssertEqual(c.limits.maxInFlightPerConnection, 9)
        XCTAssertEqual(c.limits.maxConnections, 10)
        XCTAssertEqual(c.limits.maxUnsentReplyBytes, 65536)
        XCTAssertEqual(c.limits.maxJSONDepth, 12)
        XCTAssertEqual(c.drainTimeoutSeconds, 2.5)
        XCTAssertTrue(c.debugMethods)
        XCTAssertEqual(c.compaction, CompactionPolicy(minDeadSlots: 50, deadFraction: 0.25, maxDeadBytes: 2048))
        XCTAssertNil(try load(["--compact-min-dead", "0"]).compaction, "0 turns background compaction off")
        XCTAssertEqual(try load([]).compaction, CompactionPolicy(), "on by default")
    }

    func testHelpDocumentsEveryFlag() throws {
        var loader = ConfigurationLoader(environment: [:])
        guard case .help(let text) = try loader.load(arguments: ["--help"]) else { return XCTFail("no help") }
        for option in ConfigurationLoader.options { XCTAssertTrue(text.contains(option.flag), option.flag) }
        for flag in ["--config", "--debug-methods", "--help", "--version"] { XCTAssertTrue(text.contains(flag), flag) }
    }

    func testErrorsNameTheFlagOrKey() {
        XCTAssertThrowsError(try load(["--workers", "many"])) { XCTAssertTrue("\($0)".contains("--workers"), "\($0)") }
        XCTAssertThrowsError(try load(["--workers", "0"])) { XCTAssertTrue("\($0)".contains("config.workers"), "\($0)") }
        XCTAssertThrowsError(try load(["--socket-mode", "rw"])) { XCTAssertTrue("\($0)".contains("socketMode"), "\($0)") }
        XCTAssertThrowsError(try load(["--frobnicate"])) { XCTAssertTrue("\($0)".contains("--frobnicate"), "\($0)") }
        XCTAssertThrowsError(try load(["--model"])) { XCTAssertTrue("\($0)".contains("--model"), "\($0)") }
        XCTAssertThrowsError(try load(["--vectors", "f64"])) {
            XCTAssertTrue("\($0)".contains("config.vectors") && "\($0)".contains("bf16"), "\($0)")
        }
        XCTAssertThrowsError(try load(["--compact-dead-fraction", "2"])) {
            XCTAssertTrue("\($0)".contains("compaction.deadFraction"), "\($0)")
        }
    }

    /// Command-line mistakes are usage failures (exit 64), config-file ones configuration
    /// failures (exit 78), even when the file's bad value meets good flags.
    func testFailuresSayWhoseMistakeItIs() throws {
        func kind(_ arguments: [String]) -> ConfigurationLoader.Failure.Kind? {
            do {
                _ = try load(arguments)
                return nil
            } catch {
                return (error as? ConfigurationLoader.Failure)?.kind
            }
        }
        for arguments in [["--bogus"], ["--workers"], ["--workers", "x"], ["--workers", "0"], ["--log-level", "loud"]] {
            XCTAssertEqual(kind(arguments), .usage, "\(arguments)")
        }
        let file = NSTemporaryDirectory() + "/hypencoderd-config-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(#"{"workers": 0}"#.utf8).write(to: URL(fileURLWithPath: file))
        XCTAssertEqual(kind(["--config", file]), .configuration)
        XCTAssertEqual(kind(["--config", file, "--workers", "0"]), .usage, "the flag's own value is wrong")
        XCTAssertNil(kind(["--config", file, "--workers", "2"]), "a good flag overrides the file's bad value")
        XCTAssertEqual(kind(["--config", file + ".absent"]), .configuration)
        XCTAssertEqual(ConfigurationLoader.Failure(.usage, "").exitStatus, 64)
        XCTAssertEqual(ConfigurationLoader.Failure(.configuration, "").exitStatus, 78)
    }

    func testLatencyHistogramPercentilesAreBucketUpperBounds() {
        var histogram = LatencyHistogram()
        XCTAssertNil(histogram.percentile(0.5))
        for micros in 1...100 { histogram.record(microseconds: Double(micros)) }
        let p50 = histogram.percentile(0.5) ?? 0
        let p99 = histogram.percentile(0.99) ?? 0
        // At most one bucket (a factor 2^(1/4)) above the true value, never below it.
        XCTAssertGreaterThanOrEqual(p50, 50)
        XCTAssertLessThanOrEqual(p50, 50 * pow(2, 0.25))
        XCTAssertGreaterThanOrEqual(p99, 99)
        XCTAssertLessThanOrEqual(p99, 99 * pow(2, 0.25))
        XCTAssertEqual(histogram.count, 100)
    }
}
