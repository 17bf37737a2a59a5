import Foundation
import HypencoderRPC
import HypencoderTestSupport
import XCTest

/// A query's products through real daemons: with the few-row kernel (the default on a CPU with
/// AVX2 and FMA) and with `HYPENCODER_FEW_ROWS_GEMM=off` (SGEMM), the same query gives the same
/// q-net within float rounding, and each daemon's log says which path it runs.
final class FewRowProductsTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        try TestPaths.requireModel()
        directory = try temporaryDirectory()
    }

    private func start(_ name: String, environment: [String: String]) throws -> DaemonProcess {
        try DaemonProcess(
            ["--model", TestPaths.smallModel, "--index", directory + "/" + name],
            socketPath: directory + "/\(name).sock", directory: directory, ownsDirectory: false,
            environment: environment)
    }

    /// Every generated weight and bias of the query's q-net, in order.
    private func qnetValues(_ daemon: DaemonProcess, query: String) throws -> [Float] {
        let client = try daemon.connect()
        let result = try client.result("encode/query", ["text": .string(query), "includeWeights": true])
        let weights = try XCTUnwrap(result["weights"])
        var values: [Float] = []
        for layer in weights["layers"]?.arrayValue ?? [] {
            values += try Float32Base64.decode(layer["weight"]?.stringValue ?? "")
            values += try Float32Base64.decode(layer["bias"]?.stringValue ?? "")
        }
        values += try Float32Base64.decode(weights["output"]?.stringValue ?? "")
        return values
    }

    func testTheKernelAndSGEMMGiveTheSameQNetWithinRounding() throws {
        let kernel = try start("kernel", environment: [:])
        guard kernel.log.contains("products over ≤ 32 rows: AVX2 kernel") else {
            XCTAssertTrue(kernel.log.contains("products over ≤ 32 rows: SGEMM"), kernel.log)
            throw XCTSkip("this CPU has no AVX2+FMA: every product runs in SGEMM")
        }
        let sgemm = try start("sgemm", environment: ["HYPENCODER_FEW_ROWS_GEMM": "off"])
        XCTAssertTrue(sgemm.log.contains("products over ≤ 32 rows: SGEMM"), sgemm.log)
        let query = "what keeps a query's products off the packing path"
        let viaKernel = try qnetValues(kernel, query: query)
        let viaSGEMM = try qnetValues(sgemm, query: query)
        XCTAssertEqual(viaKernel.count, viaSGEMM.count)
        XCTAssertGreaterThan(viaKernel.count, 1000)
        let scale = viaSGEMM.map { abs($0) }.max() ?? 1
        var differing = 0
        for (a, b) in zip(viaKernel, viaSGEMM) {
            // Two summation orders of the same fp32 products through BERT and the hyperhead:
            // measured 4.3e-7 of the largest value; 1e-4 is far below a wrong product.
            XCTAssertEqual(a, b, accuracy: 1e-4 * scale)
            if a != b { differing += 1 }
        }
        XCTAssertGreaterThan(differing, 0, "both daemons ran the same path")
    }

    func testAnUnknownValueIsIgnoredWithAWarning() throws {
        let daemon = try start("typo", environment: ["HYPENCODER_FEW_ROWS_GEMM": "0"])
        XCTAssertTrue(
            daemon.log.contains("HYPENCODER_FEW_ROWS_GEMM=\"0\" is ignored: the only value it takes is \"off\""), daemon.log)
        _ = try daemon.connect().result("server/status")
    }
}
