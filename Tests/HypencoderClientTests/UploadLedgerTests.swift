import XCTest

@testable import hypencoder

/// The uploader's bookkeeping in isolation: batch positions become file lines and ids, and
/// the summary after a failure says exactly which lines are durable.
final class UploadLedgerTests: XCTestCase {
    private func entries(_ lines: ClosedRange<Int>) -> [UploadLedger.Entry] {
        lines.map { UploadLedger.Entry(line: $0, id: "doc-\($0)") }
    }

    func testPositionsBecomeLinesAndIds() {
        var ledger = UploadLedger(path: "corpus.jsonl")
        _ = ledger.send(entries(1...64))
        // Line 70 is blank: the second batch's positions skip it.
        let second = ledger.send(entries(65...69) + entries(71...100))
        XCTAssertEqual(ledger.location(batch: second, position: 5), #"corpus.jsonl:71 (id "doc-71")"#)
        XCTAssertEqual(
            ledger.rewrite(
                "params.documents[34].text: string of 5242880 bytes is longer than the maximum of 4194304", batch: second),
            #"corpus.jsonl:100 (id "doc-100"): text: string of 5242880 bytes is longer than the maximum of 4194304"#)
        XCTAssertEqual(
            ledger.rewrite(#"params.documents[0]: expected "text" (to encode) or "vector" (already encoded)"#, batch: second),
            #"corpus.jsonl:65 (id "doc-65"): expected "text" (to encode) or "vector" (already encoded)"#)
        XCTAssertNil(ledger.rewrite("params.documents[99].text: too long", batch: second), "no such position")
        XCTAssertNil(ledger.rewrite("index: disk full", batch: second))
        XCTAssertNil(ledger.rewrite("params.documents[1].text: x", batch: 7), "no such batch")
    }

    func testIdsAreQuotedAsJSON() {
        var ledger = UploadLedger(path: "c.jsonl")
        let batch = ledger.send([UploadLedger.Entry(line: 3, id: "say \"hi\"")])
        XCTAssertEqual(ledger.location(batch: batch, position: 0), #"c.jsonl:3 (id "say \"hi\"")"#)
    }

    func testSummaryAfterARefusedBatch() {
        var ledger = UploadLedger(path: "corpus.jsonl")
        let first = ledger.send(entries(1...64))
        let second = ledger.send(entries(65...128))
        ledger.settle(first, .committed)
        let third = ledger.send(entries(129...192))
        ledger.settle(second, .committed)
        ledger.settle(third, .refused)
        XCTAssertEqual(
            ledger.summary(readToEnd: false),
            "128 documents (lines 1–128) are indexed and durable; lines 129–192 were not indexed; nothing after line 192 was sent"
        )
        XCTAssertEqual(
            ledger.summary(readToEnd: true), "128 documents (lines 1–128) are indexed and durable; lines 129–192 were not indexed"
        )
    }

    func testSummaryWhenALaterBatchWasCommittedOrIsUnknown() {
        var ledger = UploadLedger(path: "corpus.jsonl")
        let first = ledger.send(entries(1...10))
        let second = ledger.send(entries(11...20))
        let third = ledger.send(entries(21...30))
        ledger.settle(first, .refused)
        ledger.settle(second, .committed)
        XCTAssertEqual(
            ledger.summary(readToEnd: false),
            "10 documents (lines 11–20) are indexed and durable; lines 1–10 were not indexed; "
                + "whether lines 21–30 were indexed is unknown; nothing after line 30 was sent")
        ledger.settle(third, .committed)
        XCTAssertTrue(ledger.summary(readToEnd: true).hasPrefix("20 documents (lines 11–30) are indexed"))
    }

    func testSummaryWhenNothingWasSentOrOneLine() {
        var ledger = UploadLedger(path: "corpus.jsonl")
        XCTAssertEqual(ledger.summary(readToEnd: false), "no document of this run is indexed; nothing was sent")
        let only = ledger.send([UploadLedger.Entry(line: 1, id: "a")])
        ledger.settle(only, .committed)
        XCTAssertEqual(ledger.summary(readToEnd: true), "1 document (line 1) is indexed and durable")
    }
}
