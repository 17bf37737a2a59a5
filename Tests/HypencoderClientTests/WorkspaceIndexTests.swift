import Foundation
import HypencoderRPC
import HypencoderTestSupport
import XCTest

/// `hypencoder index DIR` (`workspace/index`) on real folders: each kind of file a source
/// tree holds is indexed, skipped or removed as DESIGN.md §10 says, a second run over an
/// unchanged tree writes nothing, and `hypencoder search` inside the folder prints FILE:LINE:.
/// The small2 test model ranks nothing meaningfully; these tests check what is stored, not
/// ranking (the editor tests in Tests/python check ranking with the default model).
final class WorkspaceIndexTests: XCTestCase {
    private var daemon: TestDaemon!
    private var root = ""

    override func setUpWithError() throws {
        daemon = try TestDaemon()
        root = daemon.directory + "/project"
        try write("README.md", "# Bread\n\nHow to bake bread at home.\nFlour, water, salt and yeast.\n")
        try write("src/oven.c", (1...60).map { "int step_\($0)(void) { return heat_oven(\($0)); }" }.joined(separator: "\n"))
        try write("notes/rivers.txt", "Rivers carry water to the sea.\n\nThe Nile is long.\n")
    }

    /// XCTest keeps test case instances until the process ends, so the daemon is stopped here
    /// rather than left to deinit (which would never run for the last test).
    override func tearDown() {
        daemon = nil
        super.tearDown()
    }

    private func write(_ relative: String, _ text: String) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Runs `hypencoder index <root> --json` and returns its result.
    private func index() throws -> [String: Any] {
        let output = try daemon.ok(["index", root, "--json", "--quiet"])
        return try XCTUnwrap(parseJSON(output) as? [String: Any])
    }

    /// Every stored passage of the workspace, by file path relative to the root → its passages'
    /// (line, endLine, text), read with an exact search that returns them all.
    private func passages() throws -> [String: [(line: Int, endLine: Int, text: String)]] {
        let client = try daemon.daemon.connect()
        let result = try client.result(
            "search", ["query": "bread", "k": 10000, "workspace": .string(root), "include": ["text"]])
        var byFile: [String: [(line: Int, endLine: Int, text: String)]] = [:]
        for hit in result["results"]?.arrayValue ?? [] {
            let path = try XCTUnwrap(hit["path"]?.stringValue)
            XCTAssertTrue(path.hasPrefix(root + "/"), path)
            let relative = String(path.dropFirst(root.count + 1))
            byFile[relative, default: []].append(
                (
                    Int(hit["line"]?.int64Value ?? 0), Int(hit["endLine"]?.int64Value ?? 0),
                    hit["text"]?.stringValue ?? ""
                ))
        }
        return byFile.mapValues { $0.sorted { $0.line < $1.line } }
    }

    private func counts(_ result: [String: Any], _ group: String) -> [String: Int] {
        (result[group] as? [String: Int]) ?? [:]
    }

    func testEveryTextFileIsSplitIntoPassagesWithExactLineRanges() throws {
        let result = try index()
        XCTAssertEqual(counts(result, "files")["indexed"], 3)
        let stored = try passages()
        XCTAssertEqual(Set(stored.keys), ["README.md", "src/oven.c", "notes/rivers.txt"])
        let oven = try String(contentsOfFile: root + "/src/oven.c", encoding: .utf8).components(separatedBy: "\n")
        let ovenPassages = try XCTUnwrap(stored["src/oven.c"])
        XCTAssertGreaterThan(ovenPassages.count, 1, "60 long lines do not fit one 128-token passage")
        XCTAssertEqual(ovenPassages.first?.line, 1)
        XCTAssertEqual(ovenPassages.last?.endLine, 60)
        for passage in ovenPassages {
            XCTAssertEqual(passage.text, oven[(passage.line - 1)..<passage.endLine].joined(separator: "\n"))
        }
        for (previous, next) in zip(ovenPassages, ovenPassages.dropFirst()) {
            XCTAssertEqual(next.line, previous.endLine - 1, "two lines of overlap by default")
        }
    }

    func testIgnoredFilesAndFoldersAreSkippedAndCounted() throws {
        try write(".gitignore", "*.log\nbuild/\n")
        try write("notes/.gitignore", "!keep.log\n")
        try write("server.log", "a log line about bread\n")
        try write("notes/keep.log", "kept despite the root rule\n")
        try write("build/out.txt", "generated\n")
        try write(".cache/x.txt", "hidden folder\n")
        let result = try index()
        let stored = try passages()
        XCTAssertNil(stored["server.log"])
        XCTAssertNil(stored["build/out.txt"])
        XCTAssertNil(stored[".cache/x.txt"])
        XCTAssertNotNil(stored["notes/keep.log"], "a deeper ignore file re-includes it")
        XCTAssertEqual(counts(result, "skipped")["ignored"], 2, "server.log and build/")
        XCTAssertEqual(counts(result, "skipped")["hidden"], 3, ".gitignore, notes/.gitignore, .cache")
    }

    func testBinaryAndTooLargeFilesAreSkippedAndCounted() throws {
        try Data([0x7F, 0x45, 0x4C, 0x46, 0x00, 0x01, 0x02]).write(to: URL(fileURLWithPath: root + "/tool"))
        try Data([0x66, 0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: root + "/latin1.txt"))
        try write("big.txt", String(repeating: "bread and butter\n", count: 4000))
        let output = try daemon.ok(["index", root, "--json", "--quiet", "--max-file-bytes", "65536"])
        let result = try XCTUnwrap(parseJSON(output) as? [String: Any])
        XCTAssertEqual(counts(result, "skipped")["binary"], 2)
        XCTAssertEqual(counts(result, "skipped")["tooLarge"], 1)
        XCTAssertEqual(Set(try passages().keys), ["README.md", "src/oven.c", "notes/rivers.txt"])
        let summary = try daemon.ok(["index", root, "--max-file-bytes", "65536", "--quiet"])
        XCTAssertTrue(summary.contains("skipped 2 binary, 1 too large"), summary)
    }

    func testADeletedFileLosesItsPassagesAndNothingElseChanges() throws {
        _ = try index()
        let before = try passages()
        try FileManager.default.removeItem(atPath: root + "/notes/rivers.txt")
        let result = try index()
        XCTAssertEqual(counts(result, "files")["removed"], 1)
        XCTAssertEqual(counts(result, "files")["unchanged"], 2)
        XCTAssertEqual(counts(result, "passages")["removed"], before["notes/rivers.txt"]?.count)
        let after = try passages()
        XCTAssertNil(after["notes/rivers.txt"])
        XCTAssertEqual(after["src/oven.c"]?.map(\.text), before["src/oven.c"]?.map(\.text))
    }

    func testAChangedFileIsIndexedAgainAndItsStalePassagesGo() throws {
        _ = try index()
        let oldCount = try XCTUnwrap(try passages()["src/oven.c"]?.count)
        try write("src/oven.c", "int main(void) { return bake_bread(); }\n")
        let result = try index()
        XCTAssertEqual(counts(result, "files")["indexed"], 1)
        XCTAssertEqual(counts(result, "files")["unchanged"], 2)
        XCTAssertEqual(counts(result, "passages")["added"], 1)
        XCTAssertEqual(counts(result, "passages")["removed"], oldCount - 1, "passage 1 is replaced, the rest deleted")
        let oven = try XCTUnwrap(try passages()["src/oven.c"])
        XCTAssertEqual(oven.map(\.text), ["int main(void) { return bake_bread(); }"])
    }

    func testASecondRunOnAnUnchangedTreeWritesNothing() throws {
        _ = try index()
        let collection = try XCTUnwrap(collectionDirectory())
        let filesBefore = try fileStates(collection)
        // Touching a file (same content, new time) must not rewrite it either.
        let touched = root + "/README.md"
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: touched)
        let result = try index()
        XCTAssertEqual(counts(result, "files")["indexed"], 0)
        XCTAssertEqual(counts(result, "files")["unchanged"], 3)
        XCTAssertEqual(counts(result, "passages")["added"], 0)
        XCTAssertEqual(counts(result, "passages")["removed"], 0)
        XCTAssertEqual(try fileStates(collection), filesBefore, "no file of the collection changed")
    }

    func testSearchInsideTheFolderPrintsFileAndLineFirst() throws {
        _ = try index()
        let outcome = try runProcess(
            try TestPaths.product("hypencoder"), ["--socket", daemon.socketPath, "search", "rivers and the sea", "-k", "3"],
            currentDirectory: root + "/notes")
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let lines = outcome.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, outcome.stdout)
        let pattern = try NSRegularExpression(pattern: #"^[^:\s]+:[0-9]+: "#)
        for line in lines {
            let text = String(line)
            XCTAssertNotNil(pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), text)
        }
        XCTAssertTrue(outcome.stdout.contains("rivers.txt:1: "), "paths below the current folder are relative: \(outcome.stdout)")
        XCTAssertTrue(outcome.stdout.contains(root + "/src/oven.c:"), "others absolute: \(outcome.stdout)")
    }

    func testASaveUpdatesOneFileAndAPathOutsideIsCountedNotRefused() throws {
        _ = try index()
        let client = try daemon.daemon.connect()
        try write("notes/rivers.txt", "The Danube flows through Vienna.\n")
        try write("notes/new.txt", "A new note about ovens.\n")
        let result = try client.result(
            "workspace/update",
            [
                "paths": [
                    .string(root + "/notes/rivers.txt"), .string(root + "/notes/new.txt"), .string(root + "/README.md"),
                    "/etc/hostname",
                ]
            ])
        XCTAssertEqual(result["files"]?["indexed"]?.int64Value, 2)
        XCTAssertEqual(result["files"]?["unchanged"]?.int64Value, 1)
        XCTAssertEqual(result["outside"]?.int64Value, 1)
        let stored = try passages()
        XCTAssertEqual(stored["notes/rivers.txt"]?.map(\.text), ["The Danube flows through Vienna."])
        XCTAssertEqual(stored["notes/new.txt"]?.map(\.text), ["A new note about ovens."])
        try FileManager.default.removeItem(atPath: root + "/notes/new.txt")
        let removal = try client.result("workspace/update", ["paths": [.string(root + "/notes/new.txt")]])
        XCTAssertEqual(removal["files"]?["removed"]?.int64Value, 1)
        XCTAssertNil(try passages()["notes/new.txt"])
    }

    func testTwoWorkspacesIndexedSideBySideNeverSeeEachOthersPassages() throws {
        let other = daemon.directory + "/other"
        try FileManager.default.createDirectory(atPath: other + "/docs", withIntermediateDirectories: true)
        try Data("Bread is baked in the other project too.\n".utf8).write(to: URL(fileURLWithPath: other + "/docs/bread.txt"))
        // A workspace nested inside the first: the deeper root wins for paths below it.
        try write("nested/inner.txt", "An inner note about bread.\n")
        _ = try index()
        _ = try daemon.ok(["index", other, "--quiet"])
        _ = try daemon.ok(["index", root + "/nested", "--quiet"])
        let client = try daemon.daemon.connect()
        func paths(_ workspace: String) throws -> Set<String> {
            let result = try client.result("search", ["query": "bread", "k": 1000, "workspace": .string(workspace)])
            return Set((result["results"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue })
        }
        let first = try paths(root + "/src")
        XCTAssertTrue(first.allSatisfy { $0.hasPrefix(root + "/") }, "\(first)")
        XCTAssertTrue(first.contains(root + "/nested/inner.txt"), "the outer workspace indexed its whole tree")
        XCTAssertEqual(try paths(other + "/docs"), [other + "/docs/bread.txt"])
        XCTAssertEqual(try paths(root + "/nested/inner.txt"), [root + "/nested/inner.txt"])
        let found = try client.result("workspace/find", ["path": .string(other + "/docs/bread.txt")])
        XCTAssertEqual(found["root"]?.stringValue, other)
        let listing = try daemon.ok(["collections"])
        for folder in [root, other, root + "/nested"] { XCTAssertTrue(listing.contains(folder), listing) }
    }

    func testAFolderThatIsNotIndexedIsNamedInTheError() throws {
        let client = try daemon.daemon.connect()
        let reply = try client.call("search", ["query": "bread", "workspace": .string(root)])
        XCTAssertEqual(reply["error"]?["code"]?.int64Value, -32602)
        let message = reply["error"]?["message"]?.stringValue ?? ""
        XCTAssertTrue(message.hasPrefix("params.workspace: no indexed workspace contains \(root)"), message)
        let missing = try client.call("workspace/index", ["root": .string(root + "/nope")])
        XCTAssertEqual(missing["error"]?["data"]?["path"]?.stringValue, "params.root")
        let relative = try client.call("workspace/index", ["root": "project"])
        XCTAssertTrue((relative["error"]?["message"]?.stringValue ?? "").contains("expected an absolute path"))
    }

    // MARK: Helpers

    private func collectionDirectory() throws -> String? {
        let client = try daemon.daemon.connect()
        let list = try client.result("collection/list")
        return list["collections"]?.arrayValue?.first { $0["root"]?.stringValue == root }?["directory"]?.stringValue
    }

    /// Name → (size, modification time) of every file in a directory.
    private func fileStates(_ directory: String) throws -> [String: [Double]] {
        var states: [String: [Double]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/" + name)
            let size = (attributes[.size] as? NSNumber)?.doubleValue ?? -1
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
            states[name] = [size, modified]
        }
        return states
    }
}
