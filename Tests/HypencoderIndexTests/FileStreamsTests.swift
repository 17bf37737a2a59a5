import Foundation
import SeededRandom
import XCTest

@testable import HypencoderIndex

/// The buffered reader and writer the document table streams through: fields straddling
/// buffer edges, fields larger than the buffer, skips, and the checksum of what was written.
final class FileStreamsTests: XCTestCase {
    func testReadsAndSkipsAcrossBufferEdgesGiveTheFileBytesInOrder() throws {
        let path = makeTemporaryDirectory(self) + "/bytes"
        var random = SplitMix64(seed: 9)
        let bytes = (0..<5000).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        for chunk in [1, 3, 7, 64, 4096] {
            let file = try PosixFile.create(path)
            var writer = BufferedFileWriter(file: file, capacity: chunk)
            try writer.append(Array(bytes[0..<10]))
            try writer.append(Array(bytes[10...]))
            try writer.flush()
            XCTAssertEqual(writer.checksum, CRC32C.checksum(bytes), "chunk \(chunk)")
            XCTAssertEqual(try file.readAll(), bytes, "chunk \(chunk)")

            var reader = BufferedFileReader(file: file, end: bytes.count, chunk: chunk)
            var offset = 0
            var step = 0
            while offset < bytes.count {
                let count = min(bytes.count - offset, [1, 2, 5, 13, 300][step % 5])
                if step % 3 == 2 {
                    try reader.skip(count, "skipped")
                } else {
                    XCTAssertEqual(Array(try reader.take(count, "field")), Array(bytes[offset..<(offset + count)]))
                }
                offset += count
                step += 1
                XCTAssertEqual(reader.position, offset)
            }
            XCTAssertThrowsError(try reader.take(1, "past the end"), "chunk \(chunk)")
            XCTAssertEqual(try BufferedFileReader.checksum(of: file, length: bytes.count, chunk: chunk), CRC32C.checksum(bytes))
        }
    }
}
