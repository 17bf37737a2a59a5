import Foundation

/// What to do when a log record that is *not* the last one is damaged.
public enum LogRecoveryPolicy: Sendable {
    /// Refuse to open (the default): records after the damage were acknowledged to callers,
    /// and silently dropping them would break the durability promise.
    case refuse
    /// Keep the records before the damage, truncate the rest and report it. For an operator
    /// who has decided losing the tail is better than not starting.
    case truncateAtFirstCorruption
}

/// What replaying one log file found.
public struct LogReplayReport: Sendable, Equatable {
    public var path: String
    /// Records replayed.
    public var records: Int
    /// Bytes cut from the end (a torn or corrupt last record, or everything after a
    /// corruption under `.truncateAtFirstCorruption`). 0 when the log was clean.
    public var truncatedBytes: Int
    /// Why bytes were cut, for the operator's log.
    public var truncationReason: String?
}

extension LogReplayReport: CustomStringConvertible {
    /// One line for the operator's log: "wal-3.log: 12 records replayed, clean" or
    /// "wal-3.log: 12 records replayed, 37 bytes cut from the end (torn record: ...)".
    public var description: String {
        let name = (path as NSString).lastPathComponent
        let replayed = "\(name): \(records) record\(records == 1 ? "" : "s") replayed"
        guard truncatedBytes > 0 else { return replayed + ", clean" }
        let reason = truncationReason.map { " (\($0))" } ?? ""
        return replayed + ", \(truncatedBytes) byte\(truncatedBytes == 1 ? "" : "s") cut from the end\(reason)"
    }
}

/// An append-only file of checksummed records: `length u32 | CRC32C(payload) u32 | payload`.
///
/// Writers append whole records and call `sync()` once per group (see `CommitQueue`): the
/// fsync is the moment updates become durable. After a crash the last record may be torn
/// (partly written) or hold garbage; `replay` cuts it off and reports it. A bad record
/// followed by more data cannot come from a torn write, so it is reported as
/// `IndexError.logCorrupted` (policy: `LogRecoveryPolicy`).
///
/// Known limit: a flipped bit in a middle record's *length* field that makes it reach past
/// the end of the file is indistinguishable from a torn tail and is treated as one.
final class WriteAheadLog {
    static let headerSize = 8

    let path: String
    private let file: PosixFile
    /// The same descriptor, for reading documents' texts back (`PayloadLocation`).
    let reader: PayloadFile
    private(set) var size: Int

    /// Opens (creating if needed) a log for appending at its current end. Call `replay` first.
    init(path: String) throws {
        self.path = path
        file = try PosixFile.open(path, flags: O_RDWR | O_CREAT)
        reader = PayloadFile(file)
        size = try file.size()
    }

    /// Frames and appends payloads without syncing; returns the file offset of each payload's
    /// first byte (after its header).
    @discardableResult
    func append(_ payloads: [[UInt8]]) throws -> [Int] {
        var writer = ByteWriter(capacity: payloads.reduce(0) { $0 + $1.count + Self.headerSize })
        var offsets: [Int] = []
        for payload in payloads {
            writer.u32(UInt32(payload.count))
            writer.u32(CRC32C.checksum(payload))
            offsets.append(size + writer.bytes.count)
            writer.raw(payload)
        }
        try file.write(writer.bytes, at: size)
        size += writer.bytes.count
        return offsets
    }

    /// Cuts the log to its first `size` bytes and makes that durable (after a failed append).
    func truncate(to size: Int) throws {
        try file.truncate(to: size)
        try file.sync()
        self.size = size
    }

    /// fsync calls made so far (lets tests check that a group shares one).
    private(set) var syncCount = 0

    func sync() throws {
        try file.sync()
        syncCount += 1
    }

    /// Reads every record of the log at `path`, decoding each with `LogEntry.decode`, and
    /// truncates a torn tail in place. A missing file is an empty log. `apply` gets each entry
    /// with the log (to read texts back from later) and the file offset of its payload.
    static func replay(
        path: String, limits: IndexLimits, policy: LogRecoveryPolicy,
        apply: (LogEntry, PayloadFile, Int) throws -> Void
    ) throws -> LogReplayReport {
        var report = LogReplayReport(path: path, records: 0, truncatedBytes: 0, truncationReason: nil)
        guard Directory.exists(path) else { return report }
        let file = try PosixFile.open(path, flags: O_RDWR)
        let reader = PayloadFile(file)
        let bytes = try file.readAll()
        var offset = 0
        var cut: (at: Int, reason: String)?
        try bytes.withUnsafeBytes { all in
            while offset < all.count {
                let remaining = all.count - offset
                guard remaining >= headerSize else {
                    cut = (offset, "torn record header (\(remaining) of \(headerSize) bytes)")
                    return
                }
                let length = Int(UInt32(littleEndian: all.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                let expected = UInt32(littleEndian: all.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
                let end = offset + headerSize + length
                guard end <= all.count else {
                    cut = (offset, "torn record (length \(length), only \(remaining - headerSize) payload bytes present)")
                    return
                }
                let payload = UnsafeRawBufferPointer(rebasing: all[(offset + headerSize)..<end])
                let isLast = end == all.count
                var problem: String?
                // A torn write leaves a bad CRC; a CRC-valid record that does not decode was
                // written by other code (a bug, a newer build), so it is never cut silently.
                var couldBeTorn = true
                var entry: LogEntry?
                if CRC32C.checksum(payload) != expected {
                    problem = "CRC32C mismatch"
                } else {
                    do {
                        entry = try LogEntry.decode(payload, path: path, limits: limits)
                    } catch let IndexError.corruptFile(_, reason) {
                        problem = "record does not decode: \(reason)"
                        couldBeTorn = false
                    }
                }
                if let problem {
                    if isLast && couldBeTorn {
                        cut = (offset, "last record: \(problem)")
                        return
                    }
                    switch policy {
                    case .refuse:
                        throw IndexError.logCorrupted(path: path, offset: offset, reason: problem)
                    case .truncateAtFirstCorruption:
                        cut = (offset, "record at byte \(offset): \(problem); \(all.count - offset) bytes dropped by policy")
                        return
                    }
                }
                if let entry { try apply(entry, reader, offset + headerSize) }
                report.records += 1
                offset = end
            }
        }
        if let cut {
            try file.truncate(to: cut.at)
            try file.sync()
            report.truncatedBytes = bytes.count - cut.at
            report.truncationReason = cut.reason
        }
        return report
    }
}
