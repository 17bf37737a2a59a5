import HypencoderRPC

/// Streams documents into the index in batches of `batchSize`, one `index/add` per batch.
/// The daemon answers a batch only once it is durable (fsync'ed log), so when `upload`
/// returns every document is safe. Two batches are kept in flight: while the daemon
/// encodes one, the next is already read, parsed and queued.
///
/// When something fails (the daemon refuses a batch, a line is malformed), the batches
/// still in flight are settled first, and the error says which lines are durable and which
/// are not (`UploadLedger`), with a daemon error about `params.documents[N]` told as the
/// file line and id it came from.
struct DocumentUploader {
    let connection: RPCConnection
    var batchSize = 64
    var window = 2
    var showProgress = true
    /// A batch is sent early once its lines add up to this many bytes, so a few long texts
    /// (up to 4 MiB each) do not make one request larger than the daemon's message limit
    /// (16 MiB by default).
    var maxBatchBytes = 4 << 20
    /// The collection to add to (nil: the default one); `index/add` creates it if missing.
    var collection: String?

    struct Totals {
        var documents = 0
        var added = 0
        var updated = 0
        /// Documents whose text was longer than the model's window (indexed whole, encoded
        /// from the start), and the first few of their ids.
        var truncated = 0
        var truncatedExamples: [String] = []
        /// The model's window in tokens, as the daemon reported it with `truncated`.
        var documentMaxTokens: Int?
        /// BEIR documents with no title and no text, not sent (`DocumentSource`).
        var skippedWithoutText: [String] = []

        /// The lines to print on stderr after an upload: what was skipped, what was truncated.
        var notices: [String] { [skipNotice, truncationNotice].compactMap { $0 } }

        /// One line for stderr when documents were skipped for having no text, else nil.
        var skipNotice: String? {
            guard !skippedWithoutText.isEmpty else { return nil }
            let count = skippedWithoutText.count
            let shown = skippedWithoutText.prefix(10).joined(separator: ", ")
            let more = count > 10 ? ", … (first 10)" : ""
            return "\(count) document\(count == 1 ? "" : "s") with neither title nor text \(count == 1 ? "was" : "were") "
                + "skipped (nothing to encode): \(shown)\(more)"
        }

        /// One line for stderr when any text was truncated, else nil.
        var truncationNotice: String? {
            guard truncated > 0 else { return nil }
            let window = documentMaxTokens.map { "\($0) tokens" } ?? "its token limit"
            let first = documentMaxTokens.map { "first \($0) tokens" } ?? "start"
            let more = truncated > truncatedExamples.count ? ", … (first \(truncatedExamples.count))" : ""
            let (noun, verb, their) = truncated == 1 ? ("document", "was", "its") : ("documents", "were", "their")
            return "\(truncated) \(noun) longer than the model's window (\(window)) \(verb) indexed whole and encoded "
                + "from \(their) \(first): \(truncatedExamples.joined(separator: ", "))\(more)"
        }
    }

    /// Uploads every document of a JSONL file (see `DocumentSource` for the shapes).
    func upload(path: String, title: String = "add") throws -> Totals {
        let reader = try LineReader(path: path)
        let progress = ProgressReporter(title: title, total: reader.size, enabled: showProgress)
        var ledger = UploadLedger(path: path)
        var batch: [JSONValue] = []
        var entries: [UploadLedger.Entry] = []
        var batchBytes = 0
        var pending: [(id: RPCID, batch: Int, bytes: Int64)] = []
        var totals = Totals()
        var readToEnd = false

        /// Waits for the oldest batch; records its outcome either way.
        func settleOldest() throws {
            let oldest = pending.removeFirst()
            let result: JSONValue
            do {
                result = try connection.finish("index/add", oldest.id)
            } catch let error as ClientError where error.rpcError != nil {
                let rewritten = error.rpcError.flatMap { ledger.rewrite($0.message, batch: oldest.batch) }
                ledger.settle(oldest.batch, .refused)
                throw rewritten.map { ClientError(.rpcError, $0) } ?? error
            }
            ledger.settle(oldest.batch, .committed)
            totals.added += Int(result["added"]?.int64Value ?? 0)
            totals.updated += Int(result["updated"]?.int64Value ?? 0)
            totals.documents = ledger.committedDocuments
            if let ids = result["truncated"]?.arrayValue {
                totals.truncated += ids.count
                for id in ids.prefix(10 - totals.truncatedExamples.count) {
                    totals.truncatedExamples.append(id.stringValue ?? "?")
                }
                if let window = result["documentMaxTokens"]?.int64Value { totals.documentMaxTokens = Int(window) }
            }
            progress.update(done: oldest.bytes, count: totals.documents, unit: "docs")
        }
        func flush() throws {
            guard !batch.isEmpty else { return }
            var params: JSONObject = ["documents": .array(batch)]
            if let collection { params["collection"] = .string(collection) }
            let id = try connection.start("index/add", .object(params))
            pending.append((id, ledger.send(entries), reader.bytesRead))
            batch.removeAll(keepingCapacity: true)
            entries.removeAll(keepingCapacity: true)
            batchBytes = 0
            while pending.count >= max(1, window) { try settleOldest() }
        }

        do {
            while let line = reader.next() {
                switch try DocumentSource.document(fromLine: line, at: reader.location) {
                case .blank: break
                case .skippedWithoutText(let id): totals.skippedWithoutText.append(id)
                case .document(let document):
                    batch.append(document)
                    entries.append(UploadLedger.Entry(line: reader.lineNumber, id: document["id"]?.stringValue ?? ""))
                    batchBytes += line.count
                    if batch.count >= batchSize || batchBytes >= maxBatchBytes { try flush() }
                }
            }
            readToEnd = true
            try flush()
            while !pending.isEmpty { try settleOldest() }
        } catch var error as ClientError {
            progress.finish()
            // The batches still in flight were sent: learn what became of them before
            // saying what is durable (a later batch may well have been committed).
            while !pending.isEmpty {
                do { try settleOldest() } catch let later as ClientError where later.status == .rpcError {
                    continue  // refused too; the ledger has it
                } catch {
                    break  // the connection is gone: the rest stay unknown
                }
            }
            error.message += "; " + ledger.summary(readToEnd: readToEnd && batch.isEmpty)
            throw error
        }
        progress.finish()
        return totals
    }
}
