import Foundation
import HypencoderRPC
import HypencoderTestSupport
import XCTest

/// Collections (DESIGN.md §10) through a real daemon: independent sets of documents that
/// never see each other's results, listed, dropped, reopened after a restart, and as durable
/// as the default index when the daemon is killed mid-stream.
final class CollectionTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        try TestPaths.requireModel()
        directory = try temporaryDirectory()
    }

    private func start() throws -> DaemonProcess {
        try DaemonProcess(["--model", TestPaths.smallModel, "--index", directory + "/index"], directory: directory)
    }

    /// Documents `<prefix>0…<prefix>(count-1)` with texts about `topic`.
    private func add(_ client: RPCClient, collection: String?, prefix: String, count: Int, topic: String) throws {
        var params: JSONObject = [
            "documents": .array(
                (0..<count).map { n in ["id": .string("\(prefix)\(n)"), "text": .string("\(topic) note \(n)")] })
        ]
        if let collection { params["collection"] = .string(collection) }
        let result = try client.result("index/add", .object(params))
        XCTAssertEqual(result["added"]?.int64Value, Int64(count))
    }

    private func ids(_ client: RPCClient, collection: String?, k: Int = 1000) throws -> Set<String> {
        var params: JSONObject = ["query": "a note", "k": .integer(Int64(k))]
        if let collection { params["collection"] = .string(collection) }
        let result = try client.result("search", .object(params))
        return Set((result["results"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue })
    }

    func testTwoCollectionsNeverSeeEachOthersDocuments() throws {
        let daemon = try start()
        let client = try daemon.connect()
        try add(client, collection: "alpha", prefix: "a", count: 5, topic: "bread")
        try add(client, collection: "beta", prefix: "b", count: 7, topic: "rivers")
        try add(client, collection: nil, prefix: "d", count: 2, topic: "default")
        // The same id in two collections is two documents.
        try add(client, collection: "beta", prefix: "a", count: 1, topic: "shared id")

        XCTAssertEqual(try ids(client, collection: "alpha"), Set((0..<5).map { "a\($0)" }))
        XCTAssertEqual(try ids(client, collection: "beta"), Set((0..<7).map { "b\($0)" } + ["a0"]))
        XCTAssertEqual(try ids(client, collection: nil), ["d0", "d1"])
        XCTAssertEqual(try ids(client, collection: "default"), ["d0", "d1"])
        let alphaText = try client.result("index/get", ["ids": ["a0"], "collection": "alpha", "include": ["text"]])
        XCTAssertEqual(alphaText["documents"]?.arrayValue?.first?["text"]?.stringValue, "bread note 0")
        let betaText = try client.result("index/get", ["ids": ["a0"], "collection": "beta", "include": ["text"]])
        XCTAssertEqual(betaText["documents"]?.arrayValue?.first?["text"]?.stringValue, "shared id note 0")

        // Deleting in one leaves the other alone.
        _ = try client.result("index/delete", ["ids": ["a0"], "collection": "beta"])
        XCTAssertTrue(try ids(client, collection: "alpha").contains("a0"))

        let list = try client.result("collection/list")
        let counts = Dictionary(
            uniqueKeysWithValues: (list["collections"]?.arrayValue ?? []).map {
                ($0["name"]?.stringValue ?? "", $0["documents"]?.int64Value ?? -1)
            })
        XCTAssertEqual(counts, ["default": 2, "alpha": 5, "beta": 7])
        XCTAssertEqual(list["collections"]?.arrayValue?.first?["name"]?.stringValue, "default", "the default one first")
        let stats = try client.result("index/stats", ["collection": "beta"])
        XCTAssertEqual(stats["documents"]?.int64Value, 7)
        XCTAssertEqual(stats["directory"]?.stringValue, directory + "/index/collections/beta")
    }

    func testUnknownAndMalformedNamesAreRefusedNamingTheField() throws {
        let daemon = try start()
        let client = try daemon.connect()
        for (method, params) in [
            ("search", ["query": "x", "collection": "nope"] as JSONValue),
            ("index/get", ["ids": ["x"], "collection": "nope"]),
            ("index/delete", ["ids": ["x"], "collection": "nope"]),
            ("index/stats", ["collection": "nope"]),
        ] {
            let reply = try client.call(method, params)
            XCTAssertEqual(reply["error"]?["code"]?.int64Value, -32602, method)
            XCTAssertEqual(reply["error"]?["data"]?["path"]?.stringValue, "params.collection", method)
            XCTAssertTrue((reply["error"]?["message"]?.stringValue ?? "").contains("no collection named \"nope\""), method)
        }
        for bad in ["../escape", ".hidden", "a/b", "", String(repeating: "x", count: 65)] {
            let reply = try client.call("index/add", ["documents": [["id": "x", "text": "y"]], "collection": .string(bad)])
            XCTAssertEqual(reply["error"]?["data"]?["path"]?.stringValue, "params.collection", bad)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/escape"))
        let list = try client.result("collection/list")
        XCTAssertEqual(list["collections"]?.arrayValue?.count, 1, "no refused name made a collection")
    }

    /// Each collection holds open files and a writer thread, so their number is bounded
    /// (`server.collections`); dropping one makes room again.
    func testTheNumberOfCollectionsIsBoundedAndDroppingMakesRoom() throws {
        let daemon = try start()
        let client = try daemon.connect()
        let dimension = Int(try client.result("model/info")["documentDimension"]?.int64Value ?? 0)
        let vector = JSONValue.float32Array([Float](repeating: 0.5, count: dimension))
        func add(_ name: String) throws -> JSONValue {
            try client.call("index/add", ["documents": [["id": "x", "vector": vector]], "collection": .string(name)])
        }
        for n in 0..<256 { XCTAssertNil(try add("c\(n)")["error"], "collection \(n)") }
        let refused = try add("one-too-many")
        XCTAssertEqual(refused["error"]?["code"]?.int64Value, -32010)
        XCTAssertEqual(refused["error"]?["data"]?["limit"]?.stringValue, "server.collections")
        XCTAssertEqual(refused["error"]?["data"]?["max"]?.int64Value, 256)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/index/collections/one-too-many"))
        _ = try client.result("collection/drop", ["collection": "c0"])
        XCTAssertNil(try add("one-too-many")["error"])
        XCTAssertNil(try add("c1")["error"], "writing to an existing collection is never refused")
    }

    func testDroppingRemovesTheCollectionAndItsFilesButNotTheDefault() throws {
        let daemon = try start()
        let client = try daemon.connect()
        try add(client, collection: "gone", prefix: "g", count: 3, topic: "soon gone")
        let path = directory + "/index/collections/gone"
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        let dropped = try client.result("collection/drop", ["collection": "gone"])
        XCTAssertEqual(dropped["documents"]?.int64Value, 3)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        let after = try client.call("search", ["query": "x", "collection": "gone"])
        XCTAssertEqual(after["error"]?["data"]?["path"]?.stringValue, "params.collection")
        let refused = try client.call("collection/drop", ["collection": "default"])
        XCTAssertEqual(refused["error"]?["code"]?.int64Value, -32602)
        // Writing again creates it afresh, empty but for the new documents.
        try add(client, collection: "gone", prefix: "n", count: 1, topic: "new")
        XCTAssertEqual(try ids(client, collection: "gone"), ["n0"])
    }

    func testCollectionsReopenAfterARestart() throws {
        do {
            let daemon = try start()
            let client = try daemon.connect()
            try add(client, collection: "kept", prefix: "k", count: 4, topic: "kept")
            _ = try client.result("shutdown")
            try client.send(["jsonrpc": "2.0", "method": "exit"])
            XCTAssertEqual(try daemon.waitForExit(), 0)
        }
        let daemon = try start()
        let client = try daemon.connect()
        XCTAssertEqual(try ids(client, collection: "kept"), Set((0..<4).map { "k\($0)" }))
    }

    /// Two clients write to two collections as fast as they can; the daemon is killed with
    /// SIGKILL mid-stream. After a restart each collection holds every document whose
    /// `index/add` was answered (and nothing of the other collection).
    func testAcknowledgedWritesToTwoCollectionsSurviveKill9() throws {
        let daemon = try start()
        let acknowledged = [ThreadSafeCounter(), ThreadSafeCounter()]
        let names = ["left", "right"]
        let group = DispatchGroup()
        for side in 0..<2 {
            let client = try daemon.connect()
            DispatchQueue.global().async(group: group) {
                for batch in 0..<10_000 {
                    let documents: [JSONValue] = (0..<4).map { n in
                        ["id": .string("\(names[side])-\(batch)-\(n)"), "text": .string("\(names[side]) text \(batch) \(n)")]
                    }
                    guard
                        (try? client.result("index/add", ["documents": .array(documents), "collection": .string(names[side])]))
                            != nil
                    else { return }
                    acknowledged[side].set(batch + 1)
                }
            }
        }
        let deadline = Date().addingTimeInterval(60)
        while (acknowledged[0].value < 5 || acknowledged[1].value < 5) && Date() < deadline { usleep(20_000) }
        XCTAssertGreaterThanOrEqual(acknowledged[0].value, 5)
        XCTAssertGreaterThanOrEqual(acknowledged[1].value, 5)
        daemon.signal(SIGKILL)
        _ = try daemon.waitForExit()
        group.wait()

        let restarted = try start()
        let client = try restarted.connect()
        for side in 0..<2 {
            let batches = acknowledged[side].value
            let stored = try client.result("index/stats", ["collection": .string(names[side])])
            XCTAssertGreaterThanOrEqual(stored["documents"]?.int64Value ?? 0, Int64(batches * 4), names[side])
            let wanted: [JSONValue] = (0..<batches).flatMap { batch in (0..<4).map { .string("\(names[side])-\(batch)-\($0)") } }
            let got = try client.result("index/get", ["ids": .array(wanted), "collection": .string(names[side])])
            let missing = (got["documents"]?.arrayValue ?? []).filter(\.isNull).count
            XCTAssertEqual(missing, 0, "\(names[side]): acknowledged documents lost")
            let other = try client.result(
                "index/get", ["ids": [.string("\(names[1 - side])-0-0")], "collection": .string(names[side])])
            XCTAssertTrue(other["documents"]?.arrayValue?.first?.isNull ?? false, "no document crossed into \(names[side])")
        }
    }
}

/// A counter written by one thread and read by another.
private final class ThreadSafeCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = 0
    var value: Int { lock.withLock { stored } }
    func set(_ value: Int) { lock.withLock { stored = value } }
}
