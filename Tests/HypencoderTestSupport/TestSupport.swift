import Foundation
import XCTest

/// What the daemon and client tests share (like sourcekit-lsp's SKTestSupport): where the
/// repository, the test model and the built executables are, temporary directories with
/// short paths, bounded waits, a real `hypencoderd` per test (`DaemonProcess`), child
/// processes (`runProcess`, `SpawnedProcess`) and the shared `RPCClient` with the abilities
/// only tests need (`RPCClient+Testing.swift`). Test targets cannot import each other, so
/// before this library each kept its own copy.

/// A test's own failure (a missing fixture, a daemon that never answered), thrown so the
/// test stops with the reason instead of hanging or crashing.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Fixed places in the checkout.
public enum TestPaths {
    /// The repository root, from this file's own path.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    /// The small random-weight model that `Scripts/make-test-models` builds.
    public static let smallModel = repositoryRoot + "/.build/fixtures/models/small2-safetensors"

    /// CI always creates the test model, so its absence is a failure, not a skip.
    public static func requireModel() throws {
        guard FileManager.default.fileExists(atPath: smallModel + "/config.json") else {
            throw TestFailure("test model missing at \(smallModel): run Scripts/make-test-models")
        }
    }

    /// An executable from the built products directory (next to the test bundle), such as
    /// `hypencoderd`, `hypencoder` or `hypencoder-model`.
    public static func product(_ name: String) throws -> String {
        var candidates: [URL] = []
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent())
        }
        candidates.append(Bundle.main.bundleURL)
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for directory in candidates {
            let path = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw TestFailure(
            "\(name) is not in the built products directory (looked in "
                + "\(candidates.map(\.path))); build it with `swift build --build-tests`")
    }
}

/// A new temporary directory with a short path: socket paths inside it must stay under the
/// 108 bytes of `sockaddr_un` (see `UnixSocketAddress`). The caller removes it.
public func makeTemporaryDirectory() throws -> String {
    var template = Array("/tmp/hct.XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp failed: \(String(cString: strerror(errno)))") }
    return String(cString: made)
}

extension XCTestCase {
    /// A short temporary directory removed when the test ends.
    public func temporaryDirectory() throws -> String {
        let path = try makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}

/// Polls `condition` until it holds; fails (instead of hanging) after `DaemonProcess.timeout`.
/// For states the daemon reaches on its own schedule, such as "the request is now queued".
public func waitUntil(_ what: String, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(DaemonProcess.timeout)
    while try !condition() {
        guard Date() < deadline else { throw TestFailure("timed out waiting until \(what)") }
        usleep(1000)
    }
}
