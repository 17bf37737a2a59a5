import XCTest

@testable import HypencoderIndex

/// Damaged index files must produce an `IndexError` naming the file — never a crash and
/// never a silently different index.
final class CorruptFileTests: XCTestCase {
    /// A checkpointed index with a few documents and a non-empty log after it.
    private func makeIndex() throws -> String {
        let directory = makeTemporaryDirectory(self)
        let index = try DocumentIndex.open(directory: directory, fingerprint: "m", dimension: 3)
        try index.upsert(
            (0..<6).map {
                DocumentUpsert(
                    id: "d\($0)", vector: [Float($0), 1, 2], metadata: Array("{\"n\":\($0)}".utf8), text: "text \($0)")
            })
        try index.checkpoint()
        try index.upsert([DocumentUpsert(id: "late", vector: [9, 9, 9])])
        index.close()
        return directory
    }

    private func open(_ directory: String) throws -> DocumentIndex {
        try DocumentIndex.open(directory: directory, fingerprint: "m", dimension: 3)
    }

    private func mutate(_ path: String, _ change: (inout [UInt8]) -> Void) throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        change(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    func testEveryTruncationOfEachCheckpointFileIsReported() throws {
        for name in ["MANIFEST", "vectors-1.bin", "documents-1.bin"] {
            let directory = try makeIndex()
            let original = Array(try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)")))
            // The manifest's final newline is not part of its JSON; every shorter cut must fail.
            let cuts = name == "MANIFEST" ? original.count - 1 : original.count
            for length in 0..<cuts {
                try Data(original.prefix(length)).write(to: URL(fileURLWithPath: "\(directory)/\(name)"))
                XCTAssertIndexError(try self.open(directory)) { error in
                    if case .corruptFile(let path, _) = error { return path.hasSuffix(name) }
                    return false
                }
            }
        }
    }

    func testFlippedBytesInCheckpointFilesAreReported() throws {
        for name in ["MANIFEST", "vectors-1.bin", "documents-1.bin"] {
            let directory = try makeIndex()
            let path = "\(directory)/\(name)"
            let size = Array(try Data(contentsOf: URL(fileURLWithPath: path))).count
            for position in stride(from: 0, to: size, by: max(1, size / 40)) {
                try mutate(path) { $0[position] ^= 0x10 }
                XCTAssertThrowsError(try self.open(directory), "\(name) byte \(position)") { error in
                    XCTAssertTrue(error is IndexError, "\(error)")
                }
                try mutate(path) { $0[position] ^= 0x10 }
            }
            XCTAssertEqual(try open(directory).count, 7, "restoring the bytes restores the index")
        }
    }

    func testTornLogTailIsCutAndReportedOnOpen() throws {
        let directory = try makeIndex()
        let logPath = "\(directory)/wal-1.log"
        let recordSize = try FileManager.default.attributesOfItem(atPath: logPath)[.size] as? Int ?? 0
        try mutate(logPath) { $0.removeLast(3) }
        let index = try open(directory)
        XCTAssertEqual(index.count, 6, "the torn update was never acknowledged")
        XCTAssertEqual(index.recoveryReports.first?.truncatedBytes, recordSize - 3)
        XCTAssertNotNil(index.recoveryReports.first?.truncationReason)
        try index.upsert([DocumentUpsert(id: "after", vector: [1, 1, 1])])
        index.close()
        XCTAssertEqual(try open(directory).count, 7, "appending after a cut tail yields a clean log")
    }

    func testDamageInsideTheLogRefusesToOpenUnlessThePolicyAllowsTruncation() throws {
        let directory = try makeIndex()
        do {
            let index = try open(directory)
            try index.upsert([DocumentUpsert(id: "later", vector: [8, 8, 8])])
            index.close()
        }
        try mutate("\(directory)/wal-1.log") { $0[WriteAheadLog.headerSize + 2] ^= 0x20 }
        XCTAssertIndexError(try self.open(directory)) {
            if case .logCorrupted(let path, 0, _) = $0 { return path.hasSuffix("wal-1.log") }
            return false
        }
        var options = IndexOptions()
        options.logRecovery = .truncateAtFirstCorruption
        let index = try DocumentIndex.open(directory: directory, fingerprint: "m", dimension: 3, options: options)
        XCTAssertEqual(index.count, 6, "only the checkpoint survives")
        XCTAssertEqual(index.recoveryReports.first?.records, 0)
    }

    func testMissingManifestWithLogsIsRefused() throws {
        let directory = try makeIndex()
        try FileManager.default.removeItem(atPath: "\(directory)/MANIFEST")
        XCTAssertIndexError(try self.open(directory)) {
            if case .corruptFile(let path, let reason) = $0 { return path.hasSuffix("MANIFEST") && reason.contains("logs exist") }
            return false
        }
    }
}
