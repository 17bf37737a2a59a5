import Foundation

extension DocumentIndex {
    /// Inserts or replaces documents. Returns after the batch is durable (fsync'ed in the
    /// log) and visible to new snapshots. The batch is atomic: after a crash it is either
    /// entirely present or absent. Documents are applied in order, so a repeated id in one
    /// batch ends with its last version.
    /// - Throws: `IndexError.invalidArgument` / `.dimensionMismatch` / `.limitExceeded`
    ///   naming the first bad document; nothing is written then.
    @discardableResult
    public func upsert(_ documents: [DocumentUpsert]) throws -> UpdateCounts {
        guard !documents.isEmpty else { return UpdateCounts() }
        try validate(documents)
        let entry = LogEntry.upsert(documents)
        let payload = try entry.encode(limits: options.limits)
        let counts = try queue.submit(payload) { [unowned self] log, offset in
            try self.apply(entry, log: log, payloadOffset: offset)
        }
        if counts.updated > 0 { compactIfDue() }
        return counts
    }

    /// Deletes documents by id; unknown ids are counted in `notFound`. Durable on return.
    @discardableResult
    public func delete(ids: [String]) throws -> UpdateCounts {
        guard !ids.isEmpty else { return UpdateCounts() }
        guard ids.count <= options.limits.maxBatchCount else {
            throw IndexError.limitExceeded(limit: "maxBatchCount", value: ids.count, maximum: options.limits.maxBatchCount)
        }
        for id in ids { try validate(id: id) }
        let entry = LogEntry.delete(ids)
        let payload = try entry.encode(limits: options.limits)
        let counts = try queue.submit(payload) { [unowned self] log, offset in
            try self.apply(entry, log: log, payloadOffset: offset)
        }
        if counts.deleted > 0 { compactIfDue() }
        return counts
    }

    private func validate(id: String) throws {
        guard !id.isEmpty else { throw IndexError.invalidArgument("document id is empty") }
        let length = id.utf8.count
        guard length <= options.limits.maxIDBytes else {
            throw IndexError.limitExceeded(
                limit: "maxIDBytes (id '\(id.prefix(40))…')", value: length, maximum: options.limits.maxIDBytes)
        }
    }

    private func validate(_ documents: [DocumentUpsert]) throws {
        let limits = options.limits
        guard documents.count <= limits.maxBatchCount else {
            throw IndexError.limitExceeded(limit: "maxBatchCount", value: documents.count, maximum: limits.maxBatchCount)
        }
        for document in documents {
            try validate(id: document.id)
            guard document.vector.count == dimension else {
                throw IndexError.dimensionMismatch(
                    expected: dimension, actual: document.vector.count,
                    context: "vector of document '\(document.id)'")
            }
            if let position = document.vector.firstIndex(where: { !$0.isFinite }) {
                throw IndexError.invalidArgument(
                    "vector of document '\(document.id)' has a non-finite value at position \(position)")
            }
            if let metadata = document.metadata {
                guard metadata.count <= limits.maxMetadataBytes else {
                    throw IndexError.limitExceeded(
                        limit: "maxMetadataBytes (document '\(document.id)')",
                        value: metadata.count, maximum: limits.maxMetadataBytes)
                }
                let parsed = try? JSONSerialization.jsonObject(with: Data(metadata), options: [.fragmentsAllowed])
                guard parsed is [String: Any] else {
                    throw IndexError.invalidArgument("metadata of document '\(document.id)' is not a JSON object")
                }
            }
            if let text = document.text, text.utf8.count > limits.maxTextBytes {
                throw IndexError.limitExceeded(
                    limit: "maxTextBytes (document '\(document.id)')",
                    value: text.utf8.count, maximum: limits.maxTextBytes)
            }
        }
    }

    /// Applies one logged batch to memory and publishes a new snapshot. Runs on the writer
    /// thread, or during `open` before that thread exists (log replay). The entry's record
    /// starts at `payloadOffset` in `log`; documents' metadata and text are not kept, only
    /// where they are in the log (`LogEntry.payloadSpans`).
    func apply(_ entry: LogEntry, log: PayloadFile, payloadOffset: Int) throws -> UpdateCounts {
        if let queue, !queue.isWriterThread {
            throw IndexError.threadingViolation("index state changed outside the writer thread")
        }
        var counts = UpdateCounts()
        switch entry {
        case .upsert(let documents):
            // A logged vector of another dimension can only come from a damaged or foreign log.
            guard documents.allSatisfy({ $0.vector.count == dimension }) else {
                throw IndexError.corruptFile(
                    path: directory, reason: "a logged upsert has a vector whose dimension is not \(dimension)")
            }
            // Rows first (outside the lock: readers never look past their snapshot's count) …
            var slots: [Int] = []
            slots.reserveCapacity(documents.count)
            let firstSlot = store.count
            do {
                for document in documents {
                    slots.append(try document.vector.withUnsafeBufferPointer { try store.append($0.baseAddress!) })
                }
            } catch {
                // E.g. no disk space for the next segment: leave memory as it was, so the
                // writer can cut the record from the log and carry on (`CommitQueue`).
                store.removeRows(from: firstSlot)
                throw error
            }
            insertIntoGraph(slots)
            // … then the table and the new snapshot in one critical section.
            let spans = entry.payloadSpans()
            stateLock.lock()
            for ((document, slot), span) in zip(zip(documents, slots), spans) {
                let payload =
                    document.metadata == nil && document.text == nil
                    ? PayloadLocation.empty
                    : PayloadLocation(source: log, offset: payloadOffset + span.offset, byteCount: Int32(span.byteCount))
                let record = SlotRecord(id: document.id, payload: payload)
                if table.insert(record, at: slot) { counts.added += 1 } else { counts.updated += 1 }
            }
            publishLocked()
            stateLock.unlock()
            repairGraphIfNeeded()
        case .delete(let ids):
            stateLock.lock()
            for id in ids {
                if table.remove(id) { counts.deleted += 1 } else { counts.notFound += 1 }
            }
            publishLocked()
            stateLock.unlock()
            repairGraphIfNeeded()
        }
        return counts
    }

    /// Makes the current table and rows the snapshot new readers get. Caller holds `stateLock`.
    func publishLocked() {
        published = IndexSnapshot(
            rows: store.rows, records: table.records, tombstones: table.tombstones,
            count: table.liveCount, blockRows: options.searchBlockRows, limits: options.limits)
        graphState.publish()
    }
}
