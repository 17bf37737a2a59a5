import HypencoderRPC

/// Streams documents into the index in batches of `batchSize`, one `index/add` per batch.
/// The daemon answers a batch only once it is durable (fsync'ed log), so when `upload`
/// returns every document is safe. Two batches are kept in flight: while the daemon
/// encodes one, the next is already read, parsed and queued.
struct DocumentUploader {
    let connection: RPCConnection
    var batchSize = 64
    var window = 2
    var showProgress = true

    struct Totals {
        var documents = 0
        var added = 0
        var updated = 0
    }

    /// Uploads every document of a JSONL file (see `DocumentSource` for the shapes).
    func upload(path: String, title: String = "add") throws -> Totals {
        let reader = try LineReader(path: path)
        let progress = ProgressReporter(title: title, total: reader.size, enabled: showProgress)
        var batch: [JSONValue] = []
        var pending: [(id: RPCID, count: Int, bytes: Int64)] = []
        var totals = Totals()

        func settleOldest() throws {
            let oldest = pending.removeFirst()
            let result = try connection.finish("index/add", oldest.id)
            totals.documents += oldest.count
            totals.added += Int(result["added"]?.int64Value ?? 0)
            totals.updated += Int(result["updated"]?.int64Value ?? 0)
            progress.update(done: oldest.bytes, count: totals.documents, unit: "docs")
        }
        func flush() throws {
            guard !batch.isEmpty else { return }
            let id = try connection.start("index/add", ["documents": .array(batch)])
            pending.append((id, batch.count, reader.bytesRead))
            batch.removeAll(keepingCapacity: true)
            while pending.count >= max(1, window) { try settleOldest() }
        }

        while let line = reader.next() {
            if let document = try DocumentSource.document(fromLine: line, at: reader.location) {
                batch.append(document)
                if batch.count >= batchSize { try flush() }
            }
        }
        try flush()
        while !pending.isEmpty { try settleOldest() }
        progress.finish()
        return totals
    }
}
