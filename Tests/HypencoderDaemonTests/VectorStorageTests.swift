import Foundation
import HypencoderRPC
import HypencoderTestSupport
import XCTest

/// `--vectors` and bf16 scoring (issue 12) through real daemons: the type is recorded in the
/// index and its new collections, reported by `index/stats`, kept on reopening, and a
/// different explicit type is a start-up error that changes nothing. On the fp32 path
/// (`HYPENCODER_BF16_KERNEL=off`, which a CPU without AVX512_BF16 takes anyway) a bf16 index
/// answers exactly what an f32 index holding the same bf16-rounded vectors answers; on the
/// bf16 kernel's path (here its emulation, `=emulate`, since the instruction needs a CPU
/// that has it) the scores stay within bf16 rounding of those.
final class VectorStorageTests: XCTestCase {
    private var directory = ""
    private let dimension = 64

    override func setUpWithError() throws {
        try TestPaths.requireModel()
        directory = try temporaryDirectory()
    }

    /// A daemon on `<directory>/<index>`, with a socket of its own (two may run at once).
    private func start(_ index: String, _ extra: [String] = [], kernel: String = "off") throws -> DaemonProcess {
        try DaemonProcess(
            ["--model", TestPaths.smallModel, "--index", directory + "/" + index] + extra,
            socketPath: directory + "/\(index).sock", directory: directory, ownsDirectory: false,
            environment: ["HYPENCODER_BF16_KERNEL": kernel])
    }

    private func stop(_ daemon: DaemonProcess) throws {
        daemon.signal(SIGTERM)
        XCTAssertEqual(try daemon.waitForExit(), 0)
    }

    /// Deterministic vectors with components of every size, and their bf16 rounding (nearest
    /// even, as the index stores them).
    private lazy var vectors: [[Float]] = (0..<120).map { d in
        (0..<dimension).map { i -> Float in
            let wave = Float(sin(Double(d * 131 + i * 17) * 0.37))
            let size = Float(1 + (d + i) % 7)
            return wave * size
        }
    }
    private func bf16(_ x: Float) -> Float {
        let bits = x.bitPattern
        return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
    }

    private func add(_ client: RPCClient, _ vectors: [[Float]], collection: String? = nil) throws {
        var params: JSONObject = [
            "documents": .array(
                vectors.enumerated().map { n, v in
                    ["id": .string("d\(n)"), "vector": .array(v.map { .double(Double($0)) })]
                })
        ]
        if let collection { params["collection"] = .string(collection) }
        XCTAssertEqual(try client.result("index/add", .object(params))["added"]?.int64Value, Int64(vectors.count))
    }

    private func search(_ client: RPCClient, mode: String = "exact") throws -> [(id: String, score: Double)] {
        let result = try client.result("search", ["query": "vectors of every size", "k": 20, "mode": .string(mode)])
        return (result["results"]?.arrayValue ?? []).map { ($0["id"]?.stringValue ?? "", $0["score"]?.doubleValue ?? .nan) }
    }

    private func storage(_ client: RPCClient, collection: String? = nil) throws -> String? {
        let params: JSONValue = collection.map { ["collection": .string($0)] } ?? [:]
        return try client.result("index/stats", params)["storage"]?.stringValue
    }

    func testBFloat16IndexOnTheFp32PathAnswersLikeAnF32IndexOfTheRoundedVectors() throws {
        let bf16Daemon = try start("bf16", ["--vectors", "bf16"])
        let bf16Client = try bf16Daemon.connect()
        try add(bf16Client, vectors)
        XCTAssertEqual(try storage(bf16Client), "bf16")
        try add(bf16Client, Array(vectors.prefix(3)), collection: "notes")
        XCTAssertEqual(try storage(bf16Client, collection: "notes"), "bf16", "a new collection stores what the index stores")
        XCTAssertTrue(
            bf16Daemon.log.contains("bf16 vectors are widened and scored by the fp32 path (HYPENCODER_BF16_KERNEL=off)"),
            bf16Daemon.log)
        let stored = try bf16Client.result("index/get", ["ids": ["d5"], "include": ["vector"]])
        let vector = (stored["documents"]?.arrayValue?.first?["vector"]?.arrayValue ?? []).map { Float($0.doubleValue ?? .nan) }
        XCTAssertEqual(vector, vectors[5].map(bf16), "the index keeps the bf16 rounding")

        let f32Daemon = try start("f32")
        let f32Client = try f32Daemon.connect()
        try add(f32Client, vectors.map { $0.map(bf16) })
        XCTAssertEqual(try storage(f32Client), "f32")
        XCTAssertFalse(f32Daemon.log.contains("bf16 vectors are"), "no bf16 index, nothing to say")
        for mode in ["exact", "approximate"] {
            let fromBF16 = try search(bf16Client, mode: mode)
            let fromF32 = try search(f32Client, mode: mode)
            XCTAssertEqual(fromBF16.count, 20)
            XCTAssertEqual(fromBF16.map(\.id), fromF32.map(\.id), mode)
            XCTAssertEqual(fromBF16.map(\.score), fromF32.map(\.score), "\(mode): the same fp32 arithmetic on the same values")
        }
    }

    func testTheBFloat16KernelPathScoresWithinRoundingOfTheFp32Path() throws {
        let daemon = try start("bf16", ["--vectors", "bf16"])
        let client = try daemon.connect()
        try add(client, vectors)
        let fp32Path = try search(client)
        let byID = try client.result(
            "score", ["query": "vectors of every size", "documents": .array(fp32Path.map { ["id": .string($0.id)] })])
        try stop(daemon)

        let emulated = try start("bf16", kernel: "emulate")
        let emulatedClient = try emulated.connect()
        XCTAssertTrue(emulated.log.contains("bf16 q-net kernel's emulation (HYPENCODER_BF16_KERNEL=emulate"), emulated.log)
        XCTAssertEqual(try storage(emulatedClient), "bf16", "reopened without --vectors: kept")
        let kernel = try search(emulatedClient)
        let scale = fp32Path.map { abs($0.score) }.max() ?? 1
        let reference = Dictionary(uniqueKeysWithValues: fp32Path.map { ($0.id, $0.score) })
        // The test model's scores all lie within 0.3 % of each other, so bf16 weights and
        // activations (measured: scores move by up to 0.33 % of their scale) reorder them;
        // the kernel's own fidelity is BFloat16QNetTests'. Here: the kernel ran (scores
        // moved), within bf16 rounding of the fp32 path, through the socket.
        var compared = 0
        var moved = 0
        for hit in kernel {
            guard let expected = reference[hit.id] else { continue }
            compared += 1
            if hit.score != expected { moved += 1 }
            XCTAssertEqual(hit.score, expected, accuracy: 0.01 * scale, hit.id)
        }
        XCTAssertGreaterThan(compared, 10)
        XCTAssertGreaterThan(moved, 0, "the emulated kernel, not the fp32 path, scored")
        // Scoring by id gathers rows instead of reading a block in place: same kernel, same scores.
        let kernelByID = try emulatedClient.result(
            "score", ["query": "vectors of every size", "documents": .array(kernel.map { ["id": .string($0.id)] })])
        for (position, hit) in kernel.enumerated() {
            XCTAssertEqual(kernelByID["scores"]?.arrayValue?[position].doubleValue ?? .nan, hit.score, accuracy: 1e-5 * scale)
        }
        XCTAssertEqual(byID["scores"]?.arrayValue?.count, fp32Path.count)
        XCTAssertEqual(try search(emulatedClient, mode: "approximate").count, 20)
    }

    func testAnotherExplicitTypeIsRefusedAndChangesNothing() throws {
        do {
            let daemon = try start("index", ["--vectors", "bf16"])
            try add(try daemon.connect(), vectors)
            try stop(daemon)
        }
        let refused = try DaemonProcess(
            ["--model", TestPaths.smallModel, "--index", directory + "/index", "--vectors", "f32"], directory: directory,
            ownsDirectory: false, waitForReady: false)
        XCTAssertEqual(try refused.waitForExit(), 1)
        XCTAssertTrue(refused.log.contains("stores bf16 vectors, but f32 was asked for"), refused.log)
        let reopened = try start("index", ["--vectors", "bf16"])
        let client = try reopened.connect()
        XCTAssertEqual(try storage(client), "bf16")
        XCTAssertEqual(try client.result("index/stats")["documents"]?.int64Value, Int64(vectors.count))
        XCTAssertTrue(reopened.log.contains("\(vectors.count) documents, bf16 vectors"), reopened.log)
    }

    func testABadTypeIsAUsageErrorNamingTheFlag() throws {
        let daemon = try DaemonProcess(
            ["--model", TestPaths.smallModel, "--vectors", "int8"], directory: directory, ownsDirectory: false,
            waitForReady: false)
        XCTAssertEqual(try daemon.waitForExit(), 64)
        XCTAssertTrue(daemon.log.contains("vectors") && daemon.log.contains("f32"), daemon.log)
    }
}
