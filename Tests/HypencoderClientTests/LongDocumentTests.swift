import Foundation
import HypencoderTestSupport
import XCTest

/// `hypencoder add` with texts longer than the model reads: up to the index's 4 MiB they are
/// indexed whole and reported once; past it the daemon refuses the batch, and the client
/// names the file line and id and says exactly which lines are durable.
final class LongDocumentTests: XCTestCase {
    /// A JSONL file of `lines` documents `doc-1`... where `long` maps line numbers to the
    /// byte length of a text to put there instead of a short one.
    private func corpus(at path: String, lines: Int, long: [Int: Int]) throws {
        let sentence = "a rocket burns fuel to reach orbit and the moon. "
        var data = Data()
        for line in 1...lines {
            var text = "document number \(line) about rivers and bread"
            if let bytes = long[line] {
                text = String(repeating: sentence, count: bytes / sentence.utf8.count + 1)
            }
            data.append(Data("{\"id\": \"doc-\(line)\", \"text\": \"\(text)\"}\n".utf8))
        }
        try data.write(to: URL(fileURLWithPath: path))
    }

    private func indexedCount(_ daemon: TestDaemon) throws -> Int? {
        let status = try parseJSON(daemon.ok(["status", "--json"])) as? [String: Any]
        return (status?["index"] as? [String: Any])?["documents"] as? Int
    }

    func testATextOverTheIndexLimitIsNamedByFileLineAndIdWithWhatIsDurable() throws {
        let daemon = try TestDaemon()
        let file = daemon.directory + "/corpus.jsonl"
        try corpus(at: file, lines: 300, long: [163: 5 << 20])
        let outcome = try daemon.client(["add", file, "--quiet"])
        XCTAssertEqual(outcome.status, 1, "a daemon error: \(outcome.stderr)")
        let message = outcome.stderr
        XCTAssertTrue(message.hasPrefix("hypencoder: \(file):163 (id \"doc-163\"): text: "), message)
        XCTAssertTrue(message.contains("longer than the maximum of 4194304"), message)
        XCTAssertFalse(message.contains("params.documents["), "the batch position is translated: \(message)")
        XCTAssertEqual(message.split(separator: "\n").count, 1, message)
        // The batch holding line 163 is refused whole; what the message calls durable is what
        // the index holds.
        XCTAssertTrue(message.contains("were not indexed"), message)
        let claimed = try XCTUnwrap(
            message.range(of: #"(\d+) documents \(lines [^)]*\) are indexed and durable"#, options: .regularExpression),
            message)
        let count = Int(message[claimed].prefix { $0.isNumber })
        XCTAssertEqual(count, try indexedCount(daemon), message)
        XCTAssertTrue(message.contains("lines 1–128"), "the two batches before it: \(message)")
        XCTAssertTrue(message.contains("lines 129–163 were not indexed"), message)
        let got = try parseJSON(daemon.ok(["get", "doc-128", "doc-129", "doc-163", "--json"])) as? [String: Any]
        let documents = try XCTUnwrap(got?["documents"] as? [Any])
        XCTAssertTrue(documents[0] is [String: Any], "line 128 is durable")
        XCTAssertTrue(documents[1] is NSNull && documents[2] is NSNull, "lines 129-163 are not")
    }

    func testATextLongerThanTheWindowIsIndexedWholeAndReportedOnce() throws {
        let daemon = try TestDaemon()
        let file = daemon.directory + "/corpus.jsonl"
        try corpus(at: file, lines: 20, long: [7: 2 << 20])
        let outcome = try daemon.client(["add", file, "--quiet"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(outcome.stdout.contains("20 documents: 20 added"), outcome.stdout)
        let notice =
            "1 document longer than the model's window (128 tokens) was indexed whole and encoded from its first 128 tokens: doc-7"
        XCTAssertTrue(outcome.stderr.contains(notice), outcome.stderr)
        XCTAssertEqual(outcome.stderr.components(separatedBy: "longer than the model's window").count, 2, "once")

        let got = try parseJSON(daemon.ok(["get", "doc-7", "--json"])) as? [String: Any]
        let text = try XCTUnwrap((got?["documents"] as? [[String: Any]])?.first?["text"] as? String)
        XCTAssertGreaterThan(text.utf8.count, 2 << 20, "stored whole")
        XCTAssertTrue(text.hasPrefix("a rocket burns fuel"))

        // --json counts them too; a file with nothing long prints no notice.
        let again = try daemon.client(["add", file, "--quiet", "--json"])
        XCTAssertEqual((try parseJSON(again.stdout) as? [String: Any])?["truncated"] as? Int, 1)
        try corpus(at: file, lines: 3, long: [:])
        let plain = try daemon.client(["add", file, "--quiet"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertFalse(plain.stderr.contains("window"), plain.stderr)
    }

    func testABlankTextIsNamedByFileLine() throws {
        let daemon = try TestDaemon()
        let file = daemon.directory + "/corpus.jsonl"
        try "{\"id\": \"a\", \"text\": \"fine\"}\n\n{\"id\": \"b\", \"text\": \"  \"}\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        let outcome = try daemon.client(["add", file, "--quiet"])
        XCTAssertEqual(outcome.status, 1, outcome.stderr)
        XCTAssertTrue(outcome.stderr.contains("\(file):3 (id \"b\"): text: must not be empty"), outcome.stderr)
        XCTAssertTrue(outcome.stderr.contains("no document of this run is indexed; lines 1–3 were not indexed"), outcome.stderr)
    }

    /// A published BEIR collection indexes as it is: Cranfield's documents 471 and 995 have
    /// neither title nor text, so they are skipped and named once, and the rest is indexed.
    func testBEIRDocumentsWithoutTitleOrTextAreSkippedAndNamed() throws {
        let daemon = try TestDaemon()
        let file = daemon.directory + "/corpus.jsonl"
        try """
        {"_id": "1", "title": "flow over wings", "text": "pressure on a wing"}
        {"_id": "471", "title": "", "text": ""}
        {"_id": "2", "title": "", "text": "heat transfer in a nozzle"}
        {"_id": "995", "title": " ", "text": ""}

        """.write(toFile: file, atomically: true, encoding: .utf8)
        let outcome = try daemon.client(["add", file, "--quiet"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(outcome.stdout.contains("2 documents: 2 added"), outcome.stdout)
        XCTAssertTrue(
            outcome.stderr.contains("2 documents with neither title nor text were skipped (nothing to encode): 471, 995"),
            outcome.stderr)
        XCTAssertEqual(try indexedCount(daemon), 2)
    }
}
