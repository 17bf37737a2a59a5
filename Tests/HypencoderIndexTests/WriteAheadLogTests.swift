import SeededRandom
import XCTest

@testable import HypencoderIndex

final class WriteAheadLogTests: XCTestCase {
    private let limits = IndexLimits()

    private func sampleEntries() -> [LogEntry] {
        [
            .upsert([
                DocumentUpsert(id: "a", vector: [1, -2, 3.5], metadata: Array("{\"k\":1}".utf8), text: "héllo"),
                DocumentUpsert(id: "b", vector: [0, .leastNonzeroMagnitude, -0.0]),
            ]),
            .delete(["a", "zz"]),
            .upsert([DocumentUpsert(id: "ü-id", vector: [7, 8, 9], text: "")]),
        ]
    }

    /// Writes the sample entries to a fresh log and returns its path and record boundaries.
    private func writeLog() throws -> (path: String, boundaries: [Int]) {
        let path = makeTemporaryDirectory(self) + "/wal-0.log"
        let log = try WriteAheadLog(path: path)
        var boundaries = [0]
        for entry in sampleEntries() {
            try log.append([try entry.encode(limits: limits)])
            boundaries.append(log.size)
        }
        try log.sync()
        return (path, boundaries)
    }

    private func replay(_ path: String, policy: LogRecoveryPolicy = .refuse) throws -> ([LogEntry], LogReplayReport) {
        var entries: [LogEntry] = []
        let report = try WriteAheadLog.replay(path: path, limits: limits, policy: policy) { entry, _, _ in entries.append(entry) }
        return (entries, report)
    }

    private func fileBytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }
    private func setBytes(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    /// The recovery line the daemon logs at start: the file name, the records, and what was cut.
    func testReplayReportDescriptionForCleanAndTruncatedLogs() {
        let clean = LogReplayReport(path: "/var/lib/hypencoder/index/wal-3.log", records: 12, truncatedBytes: 0)
        XCTAssertEqual(clean.description, "wal-3.log: 12 records replayed, clean")
        XCTAssertEqual(
            LogReplayReport(path: "wal-0.log", records: 1, truncatedBytes: 0).description, "wal-0.log: 1 record replayed, clean")
        let torn = LogReplayReport(path: "/i/wal-3.log", records: 12, truncatedBytes: 37, truncationReason: "torn record")
        XCTAssertEqual(torn.description, "wal-3.log: 12 records replayed, 37 bytes cut from the end (torn record)")
        XCTAssertEqual(
            LogReplayReport(path: "wal-1.log", records: 0, truncatedBytes: 1).description,
            "wal-1.log: 0 records replayed, 1 byte cut from the end")
    }

    func testCRC32CMatchesTheStandardCheckValue() {
        // The check value published with the CRC-32C definition (RFC 3720 family): "123456789".
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([]), 0)
    }

    func testFastCRCMatchesTheBytewiseReferenceAtEveryLengthAndAlignment() {
        var random = SplitMix64(seed: 99)
        let data = (0..<300).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        data.withUnsafeBytes { all in
            for start in 0..<9 {
                for end in stride(from: start, through: all.count, by: 7) {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<end])
                    XCTAssertEqual(CRC32C.update(0x1234_5678, slice), CRC32C.updateBytewise(0x1234_5678, slice))
                }
            }
        }
    }

    func testRoundTripPreservesEveryField() throws {
        let (path, _) = try writeLog()
        let (entries, report) = try replay(path)
        XCTAssertEqual(entries, sampleEntries())
        XCTAssertEqual(report.records, 3)
        XCTAssertEqual(report.truncatedBytes, 0)
    }

    func testTornLastRecordIsCutAtEveryByteOffset() throws {
        let (path, boundaries) = try writeLog()
        let full = try fileBytes(path)
        let lastStart = boundaries[boundaries.count - 2]
        for cut in lastStart..<full.count {
            try setBytes(Array(full[0..<cut]), path)
            let (entries, report) = try replay(path)
            XCTAssertEqual(entries, Array(sampleEntries().prefix(2)), "cut at \(cut)")
            XCTAssertEqual(report.truncatedBytes, cut - lastStart, "cut at \(cut)")
            XCTAssertEqual(try fileBytes(path).count, lastStart, "file truncated to the last good record (cut at \(cut))")
            if cut > lastStart { XCTAssertNotNil(report.truncationReason) }
        }
    }

    func testCorruptLastRecordIsCutAndReported() throws {
        let (path, boundaries) = try writeLog()
        var bytes = try fileBytes(path)
        bytes[bytes.count - 1] ^= 0x40
        try setBytes(bytes, path)
        let (entries, report) = try replay(path)
        XCTAssertEqual(entries.count, 2)
        XCTAssertEqual(report.truncatedBytes, boundaries[3] - boundaries[2])
        XCTAssertTrue(report.truncationReason?.contains("CRC32C") ?? false)
    }

    func testCorruptMiddleRecordIsAnErrorByDefault() throws {
        let (path, boundaries) = try writeLog()
        var bytes = try fileBytes(path)
        bytes[boundaries[1] + WriteAheadLog.headerSize + 3] ^= 0x01
        try setBytes(bytes, path)
        XCTAssertIndexError(try replay(path)) { error in
            if case .logCorrupted(_, let offset, _) = error { return offset == boundaries[1] }
            return false
        }
        XCTAssertEqual(try fileBytes(path), bytes, "refusing must not modify the log")
    }

    func testCorruptMiddleRecordCanBeTruncatedByPolicy() throws {
        let (path, boundaries) = try writeLog()
        var bytes = try fileBytes(path)
        bytes[boundaries[1] + 4] ^= 0xFF  // stored CRC of record 2
        try setBytes(bytes, path)
        let (entries, report) = try replay(path, policy: .truncateAtFirstCorruption)
        XCTAssertEqual(entries, [sampleEntries()[0]])
        XCTAssertEqual(report.truncatedBytes, bytes.count - boundaries[1])
    }

    func testCRCValidButUndecodableLastRecordIsNotMistakenForATornWrite() throws {
        let (path, boundaries) = try writeLog()
        let log = try WriteAheadLog(path: path)
        try log.append([[9, 0, 0, 0, 0]])  // record kind 9 does not exist
        try log.sync()
        XCTAssertIndexError(try replay(path)) {
            if case .logCorrupted(_, let offset, let reason) = $0 { return offset == boundaries[3] && reason.contains("kind 9") }
            return false
        }
        let (entries, report) = try replay(path, policy: .truncateAtFirstCorruption)
        XCTAssertEqual(entries, sampleEntries())
        XCTAssertEqual(report.truncatedBytes, WriteAheadLog.headerSize + 5)
    }

    func testMissingLogIsEmpty() throws {
        let (entries, report) = try replay(makeTemporaryDirectory(self) + "/absent.log")
        XCTAssertTrue(entries.isEmpty)
        XCTAssertEqual(report.records, 0)
    }

    func testOversizedRecordIsRejectedNamingTheLimit() throws {
        var small = IndexLimits()
        small.maxRecordBytes = 64
        let entry = LogEntry.upsert([DocumentUpsert(id: "x", vector: [Float](repeating: 1, count: 32))])
        XCTAssertIndexError(try entry.encode(limits: small)) { error in
            if case .limitExceeded(let limit, _, let maximum) = error {
                return limit.hasPrefix("maxRecordBytes") && maximum == 64
            }
            return false
        }
    }

    func testDecodingEnforcesLimitsOnCRCValidRecords() throws {
        let payload = try LogEntry.upsert([DocumentUpsert(id: "abcdef", vector: [1, 2])]).encode(limits: limits)
        var tight = IndexLimits()
        tight.maxIDBytes = 3
        XCTAssertIndexError(try payload.withUnsafeBytes { try LogEntry.decode($0, path: "p", limits: tight) }) { error in
            if case .corruptFile(_, let reason) = error { return reason.contains("maxIDBytes") }
            return false
        }
        tight = IndexLimits()
        tight.maxDimension = 1
        XCTAssertIndexError(try payload.withUnsafeBytes { try LogEntry.decode($0, path: "p", limits: tight) }) { error in
            if case .corruptFile(_, let reason) = error { return reason.contains("maxDimension") }
            return false
        }
    }

    func testEveryTruncationOfAPayloadDecodesToAnErrorNotACrash() throws {
        let payload = try sampleEntries()[0].encode(limits: limits)
        for length in 0..<payload.count {
            let prefix = Array(payload[0..<length])
            XCTAssertThrowsError(try prefix.withUnsafeBytes { try LogEntry.decode($0, path: "p", limits: limits) })
        }
    }
}
