import Foundation
import XCTest

@testable import HypencoderTokenizer

/// Every Unicode scalar, checked against the reference normaliser and pre-tokeniser.
///
/// For each code point c the reference's words for "a" + c + "a" were written as a line
/// `<hex c>:<words>` and folded into one FNV-1a-64 digest per block of 4096 code points
/// (`Tests/Fixtures/tokenizer/scalar_digests.json`). We rebuild the same lines from `BasicTokenizer`
/// and compare digests, so a difference in any category table, mapping or decomposition shows up
/// as the block that holds it.
final class ScalarCoverageTests: XCTestCase {
    func testEveryScalarIsNormalisedAndSplitLikeTheReference() throws {
        let fixture = try TestSupport.fixture("scalar_digests.json")
        let blockSize = try XCTUnwrap(fixture["block_size"] as? Int)
        let expected = try XCTUnwrap(fixture["digests"] as? [String])
        XCTAssertEqual(expected.count, 0x110000 / blockSize)

        let basic = BasicTokenizer()
        var mismatches: [String] = []
        for (block, expectedDigest) in expected.enumerated() {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for value in UInt32(block * blockSize)..<UInt32((block + 1) * blockSize) {
                guard let scalar = Unicode.Scalar(value) else { continue }  // surrogates
                var line = String(value, radix: 16) + ":"
                var first = true
                var text = "a"
                text.unicodeScalars.append(scalar)
                text.unicodeScalars.append("a")
                basic.forEachWord(in: text) { word in
                    if !first { line += " " }
                    first = false
                    line += word.map { String($0, radix: 16) }.joined(separator: ",")
                    return true
                }
                line += "\n"
                for byte in line.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            }
            let digest = String(hash, radix: 16)
            let padded = String(repeating: "0", count: 16 - digest.count) + digest
            if padded != expectedDigest {
                mismatches.append(String(block * blockSize, radix: 16) + "…" + String((block + 1) * blockSize - 1, radix: 16))
            }
        }
        XCTAssertEqual(mismatches, [], "code point blocks that differ from the reference")
    }
}
