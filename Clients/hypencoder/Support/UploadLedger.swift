import HypencoderRPC

/// The bookkeeping of one file's upload, batch by batch, so that failures are told in the
/// file's terms.
///
/// The daemon only knows a position in a batch (`params.documents[34].text: ...`), which
/// means nothing to someone looking at line 163 of a corpus. The ledger keeps, for every
/// batch still in flight, the line and id of each document, turns such an error into
/// `corpus.jsonl:163 (id "doc-163"): text: ...`, and remembers which lines the daemon
/// acknowledged (durable) and which it refused, so that after a failure the user knows
/// exactly what to resend. Settled batches keep only their line ranges, so a corpus of
/// millions of documents costs a few integers.
///
/// A batch covers every line from the one after the previous batch's last document to its
/// own last document, so blank lines in between belong to a batch and ranges join up.
struct UploadLedger {
    /// One document as the file has it.
    struct Entry: Equatable {
        var line: Int
        var id: String
    }

    /// What the daemon did with a batch.
    enum Outcome {
        /// Answered: the documents are indexed and durable.
        case committed
        /// Answered with an error: none of the batch's documents was indexed.
        case refused
    }

    /// How the file is named in messages (as the user gave it).
    let path: String
    private var inFlight: [Int: (lines: ClosedRange<Int>, entries: [Entry])] = [:]
    private var nextBatch = 0
    private var nextFirstLine = 1
    private(set) var committedDocuments = 0
    private(set) var committedLines: [ClosedRange<Int>] = []
    private(set) var refusedLines: [ClosedRange<Int>] = []
    /// The last line of the last batch sent; 0 before the first.
    private(set) var lastLineSent = 0

    init(path: String) { self.path = path }

    /// Records a batch about to be sent (its documents in order) and returns its number.
    mutating func send(_ entries: [Entry]) -> Int {
        let number = nextBatch
        nextBatch += 1
        let last = max(entries.last?.line ?? nextFirstLine, nextFirstLine)
        inFlight[number] = (nextFirstLine...last, entries)
        nextFirstLine = last + 1
        lastLineSent = last
        return number
    }

    /// Records the daemon's answer to batch `number`.
    mutating func settle(_ number: Int, _ outcome: Outcome) {
        guard let batch = inFlight.removeValue(forKey: number) else { return }
        switch outcome {
        case .committed:
            committedDocuments += batch.entries.count
            Self.add(batch.lines, to: &committedLines)
        case .refused:
            Self.add(batch.lines, to: &refusedLines)
        }
    }

    /// `FILE:LINE (id "X")` of the document at `position` in batch `number`, if known.
    func location(batch number: Int, position: Int) -> String? {
        guard let entries = inFlight[number]?.entries, entries.indices.contains(position) else { return nil }
        let entry = entries[position]
        return "\(path):\(entry.line) (id \(JSONValue.string(entry.id).serializedString()))"
    }

    /// The daemon's message for batch `number` with `params.documents[N]` replaced by the
    /// document's place in the file: `params.documents[3].text: must not be empty` becomes
    /// `corpus.jsonl:40 (id "d7"): text: must not be empty`. Nil when the message names no
    /// document of the batch (a limit, an index failure): the caller keeps it as it is.
    func rewrite(_ message: String, batch number: Int) -> String? {
        let prefix = "params.documents["
        guard message.hasPrefix(prefix) else { return nil }
        let afterPrefix = message.dropFirst(prefix.count)
        guard let close = afterPrefix.firstIndex(of: "]"), let position = Int(afterPrefix[..<close]),
            let location = location(batch: number, position: position)
        else { return nil }
        var rest = afterPrefix[afterPrefix.index(after: close)...]
        if rest.hasPrefix(".") {
            rest = rest.dropFirst()
        } else if rest.hasPrefix(": ") {
            rest = rest.dropFirst(2)
        }
        return "\(location): \(rest)"
    }

    /// What is durable and what is not, for the end of an error message:
    /// `128 documents (lines 1–128) are indexed and durable; lines 129–192 were not indexed;
    /// nothing after line 192 was sent`. `readToEnd` drops the last part when the whole file
    /// was sent.
    func summary(readToEnd: Bool) -> String {
        var parts: [String] = []
        if committedDocuments == 0 {
            parts.append("no document of this run is indexed")
        } else {
            let noun = committedDocuments == 1 ? "document" : "documents"
            let verb = committedDocuments == 1 ? "is" : "are"
            parts.append("\(committedDocuments) \(noun) (\(Self.describe(committedLines))) \(verb) indexed and durable")
        }
        if !refusedLines.isEmpty { parts.append("\(Self.describe(refusedLines)) were not indexed") }
        if !inFlight.isEmpty {
            var merged: [ClosedRange<Int>] = []
            for batch in inFlight.values { Self.add(batch.lines, to: &merged) }
            parts.append("whether \(Self.describe(merged)) were indexed is unknown")
        }
        if !readToEnd { parts.append(lastLineSent == 0 ? "nothing was sent" : "nothing after line \(lastLineSent) was sent") }
        return parts.joined(separator: "; ")
    }

    /// "line 5", "lines 1–128", "lines 1–128, 193–256".
    static func describe(_ ranges: [ClosedRange<Int>]) -> String {
        let single = ranges.count == 1 && ranges[0].lowerBound == ranges[0].upperBound
        let text = ranges.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)–\($0.upperBound)" }
        return (single ? "line " : "lines ") + text.joined(separator: ", ")
    }

    /// Inserts `range` in order, joining it with neighbours it touches.
    private static func add(_ range: ClosedRange<Int>, to ranges: inout [ClosedRange<Int>]) {
        var merged = range
        var kept: [ClosedRange<Int>] = []
        for existing in ranges {
            if existing.upperBound + 1 >= merged.lowerBound && merged.upperBound + 1 >= existing.lowerBound {
                merged = min(existing.lowerBound, merged.lowerBound)...max(existing.upperBound, merged.upperBound)
            } else {
                kept.append(existing)
            }
        }
        kept.append(merged)
        ranges = kept.sorted { $0.lowerBound < $1.lowerBound }
    }
}
