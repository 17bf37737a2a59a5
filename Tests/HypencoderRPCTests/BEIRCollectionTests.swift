import Foundation
import XCTest

@testable import HypencoderRPC

/// The one BEIR reader's rules: what `hypencoder eval` and `hypencoder-model rank` both
/// depend on (header skipped, grades kept as integers, grade > 0 relevant, every judged
/// query kept), and the errors that name the file and line.
final class BEIRCollectionTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("beir-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/qrels", withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    private func write(_ name: String, _ text: String) throws {
        try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
    }

    private func qrels(_ text: String) throws -> BEIRQrels {
        try write("qrels/test.tsv", text)
        return try BEIRCollection(directory: directory).qrels(split: "test")
    }

    private func assertMalformed(
        _ body: () throws -> Void, line: Int, containing text: String, file: StaticString = #filePath, testLine: UInt = #line
    ) {
        XCTAssertThrowsError(try body(), file: file, line: testLine) { error in
            guard let error = error as? BEIRFileError else { return XCTFail("\(error)", file: file, line: testLine) }
            XCTAssertEqual(error.kind, .malformed, file: file, line: testLine)
            XCTAssertEqual(error.line, line, "\(error)", file: file, line: testLine)
            XCTAssertTrue(error.description.contains(":\(line): "), error.description, file: file, line: testLine)
            XCTAssertTrue(error.description.contains(text), error.description, file: file, line: testLine)
        }
    }

    func testHeaderIsSkippedAndEveryGradeIsKeptAsWritten() throws {
        let judged = try qrels("query-id\tcorpus-id\tscore\nq1\tcat\t2\nq2\trocket\t1\nq3\tbread\t0\nq3\tcat\t-1\n")
        XCTAssertEqual(judged, ["q1": ["cat": 2], "q2": ["rocket": 1], "q3": ["bread": 0, "cat": -1]])
        // q3 has no relevant document and is still judged: trec_eval scores it 0, not skips it.
        XCTAssertNotNil(judged["q3"])
    }

    func testRelevantMeansGradeAboveZero() {
        XCTAssertTrue(BEIRCollection.isRelevant(grade: 1))
        XCTAssertTrue(BEIRCollection.isRelevant(grade: 3))
        XCTAssertFalse(BEIRCollection.isRelevant(grade: 0))
        XCTAssertFalse(BEIRCollection.isRelevant(grade: -1))
    }

    func testAHeaderlessFileLosesNoLine() throws {
        XCTAssertEqual(try qrels("q1\td1\t1\nq1\td2\t0\n"), ["q1": ["d1": 1, "d2": 0]])
    }

    func testTRECQrelsWithSpacesAndFourFieldsRead() throws {
        XCTAssertEqual(try qrels("q1 0 d1 1\nq1 0 d2 2\r\n\nq2 0 d1 0\n"), ["q1": ["d1": 1, "d2": 2], "q2": ["d1": 0]])
    }

    func testTabSeparatedIdsMayContainSpaces() throws {
        XCTAssertEqual(try qrels("query-id\tcorpus-id\tscore\nq 1\tdoc one\t1\n"), ["q 1": ["doc one": 1]])
    }

    func testARepeatedPairKeepsItsLastGrade() throws {
        XCTAssertEqual(try qrels("q1\td1\t1\nq1\td1\t2\n"), ["q1": ["d1": 2]])
    }

    func testANonIntegerGradeAfterTheFirstLineIsAnErrorNamingTheLine() throws {
        assertMalformed(
            { _ = try qrels("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\thigh\n") }, line: 3, containing: "\"high\"")
        assertMalformed({ _ = try qrels("q1\td1\t1.5\nq1\td2\t1\nq2\td1\tx\n") }, line: 3, containing: "not an integer")
    }

    func testTooFewFieldsIsAnError() throws {
        assertMalformed(
            { _ = try qrels("query-id\tcorpus-id\tscore\nq1\td1\n") }, line: 2, containing: "query-id, corpus-id and grade")
    }

    func testQueriesInFileOrderWithStringOrIntegerIds() throws {
        try write(
            "queries.jsonl", "{\"_id\": \"q2\", \"text\": \"second\"}\n\n{\"_id\": 7, \"text\": \"seventh\", \"metadata\": {}}\n")
        XCTAssertEqual(
            try BEIRCollection(directory: directory).queries(),
            [BEIRQuery(id: "q2", text: "second"), BEIRQuery(id: "7", text: "seventh")])
    }

    func testMalformedQueriesNameTheLine() throws {
        try write("queries.jsonl", "{\"_id\": \"q1\", \"text\": \"ok\"}\n{\"_id\": \"q2\"}\n")
        assertMalformed({ _ = try BEIRCollection(directory: directory).queries() }, line: 2, containing: "\"text\"")
        try write("queries.jsonl", "{\"_id\": \"q1\", \"text\": \"ok\"}\nnot json\n")
        assertMalformed({ _ = try BEIRCollection(directory: directory).queries() }, line: 2, containing: "not valid JSON")
        try write("queries.jsonl", "{\"text\": \"no id\"}\n")
        assertMalformed({ _ = try BEIRCollection(directory: directory).queries() }, line: 1, containing: "\"_id\"")
    }

    func testCorpusRecordsKeepEveryField() throws {
        try write("corpus.jsonl", "{\"_id\": \"d1\", \"title\": \"T\", \"text\": \"body\"}\n")
        let records = try BEIRCollection.records(at: BEIRCollection(directory: directory).corpusPath)
        XCTAssertEqual(records.map(\.id), ["d1"])
        XCTAssertEqual(records.first?.fields["title"]?.stringValue, "T")
        XCTAssertEqual(records.first?.fields["text"]?.stringValue, "body")
        XCTAssertEqual(records.first?.line, 1)
    }

    func testAMissingFileIsUnreadableNotMalformed() {
        XCTAssertThrowsError(try BEIRCollection(directory: directory).qrels(split: "dev")) { error in
            XCTAssertEqual((error as? BEIRFileError)?.kind, .unreadable)
            XCTAssertTrue("\(error)".contains("qrels/dev.tsv"), "\(error)")
        }
    }
}
