import Foundation
import XCTest

@testable import HypencoderIndex

/// Texts and metadata live in the index's files, not in memory (issue 15): each slot keeps
/// only where its payload is, in a log until a checkpoint and in the checkpoint's document
/// table after it. These tests pin the moves between the two and that nothing keeps a
/// deleted file open once no snapshot needs it.
final class DocumentPayloadTests: XCTestCase {
    private func open(_ directory: String) throws -> DocumentIndex {
        try DocumentIndex.open(directory: directory, fingerprint: "payload-test", dimension: 2)
    }

    private func text(_ n: Int) -> String { "text of document \(n) " + String(repeating: "é", count: n % 50) }
    private func metadata(_ n: Int) -> [UInt8] { Array("{\"n\":\(n)}".utf8) }

    /// Paths of this process's open descriptors that point at deleted logs or document tables
    /// in `directory` (the vector scratch file is unlinked on purpose and not counted).
    private func deletedFilesHeldOpen(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap { fd in
            let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")
            guard let target, target.hasPrefix(directory), target.hasSuffix("(deleted)"),
                target.contains("/wal-") || target.contains("/documents-")
            else { return nil }
            return target
        }
    }

    func testTextsReadBackFromTheLogThenTheCheckpointThenAfterReopening() throws {
        let directory = makeTemporaryDirectory(self)
        var index: DocumentIndex? = try open(directory)
        try index!.upsert(
            (0..<300).map { DocumentUpsert(id: "d\($0)", vector: [1, Float($0)], metadata: metadata($0), text: text($0)) })
        try index!.upsert([DocumentUpsert(id: "bare", vector: [0, 0])])
        func check(_ index: DocumentIndex, _ moment: String) throws {
            let got = try index.get(ids: ["d0", "d123", "d299", "bare"])
            XCTAssertEqual(got[0]?.text, text(0), moment)
            XCTAssertEqual(got[1]?.text, text(123), moment)
            XCTAssertEqual(got[1]?.metadata, metadata(123), moment)
            XCTAssertEqual(got[2]?.text, text(299), moment)
            XCTAssertEqual(got[3], StoredDocument(id: "bare", vector: [0, 0], metadata: nil, text: nil), moment)
        }
        try check(index!, "from the log")
        try index!.checkpoint()
        try check(index!, "from the checkpoint")
        try index!.upsert([DocumentUpsert(id: "d123", vector: [2, 2], text: "replaced")])
        index!.close()
        index = nil
        let reopened = try open(directory)
        XCTAssertEqual(try reopened.get(ids: ["d123"])[0]?.text, "replaced", "replayed from the new log")
        XCTAssertEqual(try reopened.get(ids: ["d299"])[0]?.text, text(299), "read from the document table")
        try reopened.compact()
        XCTAssertEqual(try reopened.get(ids: ["d123", "d7"]).map { $0?.text }, ["replaced", text(7)])
    }

    func testASnapshotKeepsReadingALogTheCheckpointDeletedThenReleasesIt() throws {
        let directory = makeTemporaryDirectory(self)
        let index = try open(directory)
        try index.upsert([DocumentUpsert(id: "a", vector: [1, 0], text: "first version")])
        var before: IndexSnapshot? = index.snapshot()
        try index.checkpoint()
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/wal-0.log"), "the checkpoint removes the old log")
        var texts: [String?] = []
        try before!.forEachRecord { texts.append($0.text) }
        XCTAssertEqual(texts, ["first version"], "a snapshot from before the checkpoint still reads its text")
        XCTAssertEqual(try deletedFilesHeldOpen(in: directory).count, 1, "only that snapshot holds the old log")
        before = nil
        XCTAssertEqual(
            try deletedFilesHeldOpen(in: directory), [],
            "once no snapshot needs it, the deleted log's space goes back to the file system")
        XCTAssertEqual(try index.get(ids: ["a"])[0]?.text, "first version")
    }

    func testSearchHitsCanSkipReadingTheText() throws {
        let index = try open(makeTemporaryDirectory(self))
        let big = String(repeating: "long text ", count: 10_000)
        try index.upsert([DocumentUpsert(id: "a", vector: [1, 0], metadata: metadata(1), text: big)])
        let found = try index.search(scorer: DotScorer(query: [1, 0]), k: 1, method: .exact)
        XCTAssertEqual(try found.record(ofHit: 0, text: false), DocumentRecord(id: "a", metadata: metadata(1), text: nil))
        XCTAssertEqual(try found.record(ofHit: 0).text, big)
    }

    func testACheckpointWithManyTextsIsWrittenInPiecesAndReadsBackExactly() throws {
        // Larger than the 1 MiB buffers on both sides, with texts straddling buffer edges.
        let directory = makeTemporaryDirectory(self)
        var index: DocumentIndex? = try open(directory)
        let documents = (0..<40).map { n in
            DocumentUpsert(
                id: "big\(n)", vector: [Float(n), 1],
                text: String(repeating: Character(UnicodeScalar(65 + n % 26)!), count: 70_001 + n * 997))
        }
        try index!.upsert(documents)
        try index!.checkpoint()
        index!.close()
        index = nil
        let reopened = try open(directory)
        let got = try reopened.get(ids: documents.map(\.id))
        XCTAssertEqual(got.map { $0?.text }, documents.map(\.text))
    }
}
