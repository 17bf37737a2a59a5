import Foundation
import XCTest

@testable import HypencoderModel

/// Every random Hypencoder fixture model against the PyTorch reference numbers
/// (Tests/Fixtures/reference/<model>.json, made by Tools/reference from DESIGN.md §2).
///
/// Each test loads its model once and checks: token ids, document vectors, scores with
/// each text encoded alone and in padded batches, and identical rankings per query. The
/// batched pass splits the work over three threads (`Parallelism`), as the daemon does; the
/// single pass runs serially: both must match the reference.
final class HypencoderFidelityTests: XCTestCase {
    private static let threads = Parallelism(scheduler: CoreScheduler(threads: 3))

    func testSmall2Bin() throws { try check("small2-bin") }
    func testSmall2Safetensors() throws { try check("small2-safetensors") }
    func testSmall4Bin() throws { try check("small4-bin") }
    func testSmall4SafetensorsF16() throws { try check("small4-safetensors") }
    func testSmall6Bin() throws { try check("small6-bin") }
    func testSmall6SafetensorsBF16() throws { try check("small6-safetensors") }
    /// One hidden layer wider than the encoder and the `linear_last_weight` extension.
    func testWide1Bin() throws { try check("wide1-bin") }
    func testWide1Safetensors() throws { try check("wide1-safetensors") }
    // bert-base in a debug build is slow: each base6 variant runs one of the two passes
    // (they hold the same values, so together they cover both).
    func testBase6Bin() throws { try check("base6-bin", batched: true, single: false, textPath: false) }
    func testBase6Safetensors() throws { try check("base6-safetensors", batched: false, single: true, textPath: false) }

    /// `batched`: all queries in one batch, all documents in another (`scores_batched`).
    /// `single`: each text encoded alone (`scores`). `textPath`: also score from the texts.
    private func check(_ name: String, batched: Bool = true, single: Bool = true, textPath: Bool = true) throws {
        let reference = try Fixtures.reference(name)
        let directory = try Fixtures.model(name)
        // The model directory alone must reproduce the reference: its config carries the
        // token limits the reference truncated with (documents: 128 tokens for the small models).
        let checkpoint = try Checkpoint.load(directory: directory)
        let settings = (reference["settings"] as? [String: Any]) ?? [:]
        XCTAssertEqual(checkpoint.config.queryMaxLength, settings["query_max_length"] as? Int, "\(name): query limit")
        XCTAssertEqual(checkpoint.config.documentMaxLength, settings["document_max_length"] as? Int, "\(name): document limit")
        let model = try HypencoderModel(checkpoint: checkpoint, tokenizer: try WordPieceTokenizer.load(directory: directory))
        let queryIds = reference.idRows("query_token_ids")
        let documentIds = reference.idRows("document_token_ids")
        XCTAssertFalse(queryIds.isEmpty || documentIds.isEmpty, "\(name): reference has no token ids")

        // Tokenization, including the query longer than the limit (truncated).
        XCTAssertEqual(reference.strings("queries").map { model.tokenize(query: $0) }, queryIds, "\(name): query ids")
        XCTAssertEqual(reference.strings("documents").map { model.tokenize(document: $0) }, documentIds, "\(name): document ids")

        if batched {
            let vectors = try model.encodeDocuments(tokenIds: documentIds, parallelism: Self.threads)
            let qnets = try model.encodeQueries(tokenIds: queryIds, parallelism: Self.threads)
            checkVectors(vectors, reference, name)
            checkScores(try qnets.map { try $0.score(vectors) }, reference.floatRows("scores_batched"), "\(name) batched")
            checkProbe(qnets[0], reference, name)
        }
        if textPath {
            let fromText = try model.score(queries: reference.strings("queries"), documents: reference.strings("documents"))
            checkScores(fromText, reference.floatRows("scores_batched"), "\(name) from text")
        }
        if single {
            let vectors = try documentIds.map { try model.encodeDocuments(tokenIds: [$0])[0] }
            let qnets = try queryIds.map { try model.encodeQueries(tokenIds: [$0])[0] }
            checkVectors(vectors, reference, name)
            checkScores(try qnets.map { try $0.score(vectors) }, reference.floatRows("scores"), "\(name) single")
            checkProbe(qnets[0], reference, name)
        }
    }

    private func checkScores(_ scores: [[Float]], _ expected: [[Float]], _ label: String) {
        XCTAssertEqual(scores.count, expected.count, "\(label): queries")
        for (q, (row, expectedRow)) in zip(scores, expected).enumerated() {
            assertClose(row, expectedRow, relative: 1e-3, "\(label) scores of query \(q)")
            XCTAssertEqual(ranking(row), ranking(expectedRow), "\(label) ranking of query \(q)")
        }
    }

    private func checkVectors(_ vectors: [[Float]], _ reference: [String: Any], _ name: String) {
        let full = reference.floatRows("document_vectors")
        if !full.isEmpty {
            for (d, (v, e)) in zip(vectors, full).enumerated() {
                assertClose(v, e, relative: 1e-4, "\(name) document vector \(d)")
            }
        }
        for (d, (v, e)) in zip(vectors, reference.floatRows("document_vector_head")).enumerated() {
            assertClose(Array(v.prefix(e.count)), e, relative: 1e-4, "\(name) document vector head \(d)")
        }
        let norms = vectors.map { v in Float(v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()) }
        assertClose(norms, reference.floats("document_vector_norms"), relative: 1e-4, "\(name) document vector norms")
    }

    /// The generated q-net of query 0 itself, so a score mismatch can be traced to its layer.
    /// Norms are summed in Double as the reference does: a float32 running sum over 590k
    /// squares is itself off by ~1e-4 relative, which would blame the engine for the test.
    private func checkProbe(_ qnet: QNet, _ reference: [String: Any], _ name: String) {
        let tolerance: Float = 1e-4
        guard let probe = reference["qnet_probe"] as? [String: Any] else {
            return XCTFail("\(name): reference has no qnet_probe")
        }
        let weights = qnet.layers.map(\.weight) + [qnet.output]
        for (i, (w, head)) in zip(weights, probe.floatRows("weight_row0_head")).enumerated() {
            assertClose(Array(w.prefix(head.count)), head, relative: tolerance, "\(name) W\(i) row 0")
        }
        for (i, (layer, head)) in zip(qnet.layers, probe.floatRows("bias_head")).enumerated() {
            assertClose(Array(layer.bias.prefix(head.count)), head, relative: tolerance, "\(name) b\(i)")
        }
        let norm: ([Float]) -> Float = { v in Float(v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()) }
        assertClose(weights.map(norm), probe.floats("weight_norms"), relative: tolerance, "\(name) weight norms")
        assertClose(qnet.layers.map { norm($0.bias) }, probe.floats("bias_norms"), relative: tolerance, "\(name) bias norms")
    }
}
