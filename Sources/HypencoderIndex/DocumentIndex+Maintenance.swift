import Foundation

extension DocumentIndex {
    /// Writes the current state as a new checkpoint generation and drops the logs it covers.
    ///
    /// Protocol (each step durable before the next, so a crash anywhere leaves either the old
    /// or the new generation complete):
    /// 1. On the writer thread: start `wal-<g+1>.log` and take the snapshot that `wal-<g>`
    ///    ends at. Updates continue into the new log while the files are written.
    /// 2. Write `vectors-<g+1>.bin`, `documents-<g+1>.bin` (only live documents, so a
    ///    checkpoint is also compact on disk) as `.tmp`, fsync each, rename into place.
    /// 3. Write `MANIFEST.tmp` naming generation g+1, fsync, rename over `MANIFEST`,
    ///    fsync the directory. This rename is the commit point.
    /// 4. On the writer thread, point every slot written in step 2 at its payload in the new
    ///    document table (the texts are no longer read from the logs), then delete generation
    ///    g's files and logs older than g+1. Snapshots still reading an old file keep it open.
    /// Opening after a crash before step 3 uses generation g and replays `wal-<g>` and
    /// `wal-<g+1>`; after it, generation g+1 and `wal-<g+1>`.
    public func checkpoint() throws {
        maintenanceLock.lock()
        defer { maintenanceLock.unlock() }
        var graph: (NeighborGraph, [Int32])?
        let (view, liveSlots, records, next) = try queue.exclusive {
            [unowned self] log -> (IndexSnapshot, [Int], [SlotRecord], Int) in
            stateLock.lock()
            let next = max(generation, logGeneration) + 1
            let view = published
            graph = (graphState.publishedGraph, graphState.publishedEntries)
            let live = table.liveSlots()
            stateLock.unlock()
            let fresh = try WriteAheadLog(path: directory + "/" + Manifest.logFile(next))
            do {
                // The new log's directory entry must be durable before updates in it are acknowledged.
                try Directory.sync(directory)
            } catch {
                try? Directory.remove(fresh.path)  // updates stay in the current log
                throw error
            }
            log = fresh
            stateLock.lock()
            logGeneration = next
            stateLock.unlock()
            return (view, live, live.map { view.records[$0] }, next)
        }
        let manifest = Manifest(
            formatVersion: Manifest.currentFormatVersion, modelFingerprint: fingerprint,
            dimension: dimension, storage: storage.rawValue,
            generation: next, documentCount: liveSlots.count)
        let graphFile = graph.map { checkpointGraphFile(view: view, graph: $0.0, entries: $0.1, liveSlots: liveSlots) }
        let payloads: [PayloadLocation]
        do {
            payloads = try Self.writeCheckpoint(
                directory: directory, manifest: manifest, rows: view.rows,
                slots: liveSlots, records: records, graphFile: graphFile)
        } catch {
            // Nothing is committed (or, if only the last directory fsync failed, the commit is
            // in doubt and either generation opens whole). Updates go on into the new log;
            // the next checkpoint uses a later generation and removes what this one left.
            removeTemporaryFiles()
            throw error
        }
        stateLock.lock()
        generation = next
        stateLock.unlock()
        // Slots are stable here: compaction, the only renumbering, needs `maintenanceLock`.
        try queue.exclusive { [unowned self] _ -> Void in
            stateLock.lock()
            defer { stateLock.unlock() }
            for (slot, payload) in zip(liveSlots, payloads) { table.movePayload(of: slot, to: payload) }
            publishLocked()
        }
        try Self.removeStaleFiles(in: directory, generation: next, firstLog: next)
    }

    /// Reclaims the rows of deleted and replaced documents: copies live rows into a fresh
    /// store with dense slots, publishes it, then checkpoints. Searches already running keep
    /// their snapshot (and with it the old rows, which stay mapped until the last one ends);
    /// updates wait for the copy. Slot numbers change; ids do not.
    public func compact() throws {
        maintenanceLock.lock()
        do {
            try queue.exclusive { [unowned self] _ -> Void in
                stateLock.lock()
                let view = published
                let live = table.liveSlots()
                stateLock.unlock()
                let fresh = try VectorStore(directory: directory, dimension: dimension, storage: storage, base: nil)
                var freshTable = DocumentTable()
                var row = [Float](repeating: 0, count: dimension)
                for slot in live {
                    let newSlot = try row.withUnsafeMutableBufferPointer { buffer -> Int in
                        view.rows.copyRow(slot, into: buffer.baseAddress!)
                        return try fresh.append(buffer.baseAddress!)
                    }
                    freshTable.insert(view.records[slot], at: newSlot)
                }
                compactGraph(liveSlots: live, view: view)
                stateLock.lock()
                store = fresh
                table = freshTable
                publishLocked()
                stateLock.unlock()
            }
        } catch {
            maintenanceLock.unlock()
            throw error
        }
        maintenanceLock.unlock()
        try checkpoint()
    }

    /// Best-effort removal of a failed checkpoint's `.tmp` files (a full disk needs the space).
    private func removeTemporaryFiles() {
        for name in (try? Directory.list(directory)) ?? [] where name.hasSuffix(".tmp") {
            try? Directory.remove(directory + "/" + name)
        }
    }

    /// Writes checkpoint files for `manifest.generation` and commits them by renaming the
    /// manifest. Returns where each record's payload now is in the new document table.
    @discardableResult
    static func writeCheckpoint(
        directory: String, manifest: Manifest, rows: VectorRows,
        slots: [Int], records: [SlotRecord], graphFile: [UInt8]? = nil
    ) throws -> [PayloadLocation] {
        let vectorPath = directory + "/" + Manifest.vectorFile(manifest.generation)
        try VectorFile.write(rows, slots: slots, to: vectorPath + ".tmp")
        try Directory.rename(vectorPath + ".tmp", to: vectorPath)
        let documentPath = directory + "/" + Manifest.documentFile(manifest.generation)
        let (_, payloads) = try DocumentFile.write(records, to: documentPath + ".tmp")
        try Directory.rename(documentPath + ".tmp", to: documentPath)
        if let graphFile {
            try Directory.writeFileAtomically(graphFile, to: directory + "/" + GraphFile.name(manifest.generation))
        }
        try Directory.sync(directory)
        try Directory.writeFileAtomically(manifest.encoded(), to: directory + "/" + Manifest.fileName)
        try Directory.sync(directory)
        return payloads
    }
}
