import Foundation
import HypencoderTestSupport
import XCTest

@testable import HypencoderDaemon

/// Without `--model`, the daemon takes `$HYPENCODER_MODEL`, else the default-model link
/// under the XDG data home, else no model (end to end: Tests/python/test_default_model.py).
final class DefaultModelTests: XCTestCase {
    private func load(_ arguments: [String], _ environment: [String: String]) throws -> DaemonConfiguration {
        var loader = ConfigurationLoader(environment: environment)
        guard case .run(let configuration) = try loader.load(arguments: arguments) else {
            throw TestFailure("expected a configuration")
        }
        return configuration
    }

    func testEnvironmentVariableWinsOverTheLink() throws {
        let home = try temporaryDirectory()
        try FileManager.default.createDirectory(
            atPath: home + "/.local/share/hypencoder/default-model",
            withIntermediateDirectories: true)
        let c = try load([], ["HYPENCODER_MODEL": "/models/mine", "HOME": home])
        XCTAssertEqual(c.modelDirectory, "/models/mine")
        XCTAssertEqual(c.modelOrigin, "$HYPENCODER_MODEL")
    }

    func testFlagAndConfigFileWinOverTheDefaults() throws {
        XCTAssertEqual(try load(["--model", "/flag"], ["HYPENCODER_MODEL": "/env"]).modelDirectory, "/flag")
        let file = try temporaryDirectory() + "/c.json"
        try Data(#"{"model": "/file"}"#.utf8).write(to: URL(fileURLWithPath: file))
        XCTAssertEqual(try load(["--config", file], ["HYPENCODER_MODEL": "/env"]).modelDirectory, "/file")
    }

    func testLinkUnderXDGDataHomeThenHome() throws {
        let data = try temporaryDirectory()
        let target = try temporaryDirectory()
        try FileManager.default.createDirectory(atPath: data + "/hypencoder", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: data + "/hypencoder/default-model", withDestinationPath: target)
        XCTAssertEqual(
            try load([], ["XDG_DATA_HOME": data, "HOME": "/nonexistent"]).modelDirectory,
            data + "/hypencoder/default-model")
        XCTAssertEqual(
            DefaultModelLocation.wellKnownPath(environment: ["HOME": "/home/u"]),
            "/home/u/.local/share/hypencoder/default-model")
        XCTAssertEqual(
            DefaultModelLocation.wellKnownPath(environment: ["HOME": "/home/u", "XDG_DATA_HOME": "relative"]),
            "/home/u/.local/share/hypencoder/default-model", "a relative XDG_DATA_HOME is ignored")
    }

    func testNoModelWhenNothingIsThere() throws {
        let empty = try temporaryDirectory()
        XCTAssertNil(try load([], ["HOME": empty]).modelDirectory)
        XCTAssertNil(try load([], ["HOME": empty, "HYPENCODER_MODEL": ""]).modelDirectory)
        // A dangling link (the model it pointed at was removed) means no default model.
        try FileManager.default.createDirectory(atPath: empty + "/.local/share/hypencoder", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: empty + "/.local/share/hypencoder/default-model",
            withDestinationPath: empty + "/gone")
        XCTAssertNil(try load([], ["HOME": empty]).modelDirectory)
        XCTAssertNil(try load([], [:]).modelDirectory)
    }

    func testHelpDocumentsTheDefaultModel() {
        let help = ConfigurationLoader.helpText
        XCTAssertTrue(help.contains("$HYPENCODER_MODEL"))
        XCTAssertTrue(help.contains("${XDG_DATA_HOME:-$HOME/.local/share}/hypencoder/default-model"))
    }
}
