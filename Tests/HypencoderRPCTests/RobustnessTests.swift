/// Seeded random inputs: random JSON trees must survive a write/parse round trip unchanged,
/// and randomly damaged messages must be refused cleanly (an error, never a crash) by the
/// parser, the JSON-RPC layer and the framer alike.
import XCTest

@testable import HypencoderRPC

final class RobustnessTests: XCTestCase {
    private func randomString(_ rng: inout SeededGenerator) -> String {
        let pools: [ClosedRange<UInt32>] = [0x00...0x1F, 0x20...0x7E, 0xA0...0x2FF, 0x4E00...0x4E80, 0x1F600...0x1F64F]
        var s = ""
        for _ in 0..<Int(rng.next() % 12) {
            let pool = pools[Int(rng.next() % UInt64(pools.count))]
            let value = pool.lowerBound + UInt32(rng.next() % UInt64(pool.count))
            if let scalar = Unicode.Scalar(value) { s.unicodeScalars.append(scalar) }
        }
        return s
    }

    private func randomValue(_ rng: inout SeededGenerator, depth: Int) -> JSONValue {
        switch rng.next() % (depth > 4 ? 5 : 7) {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2: return .integer(Int64(bitPattern: rng.next()) >> (rng.next() % 64))
        case 3:
            let d = Double(bitPattern: rng.next())
            return .double(d.isFinite ? d : 0.5)
        case 4: return .string(randomString(&rng))
        case 5: return .array((0..<rng.next() % 5).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var object = JSONObject()
            for _ in 0..<rng.next() % 5 where true {
                let key = randomString(&rng).replacingOccurrences(of: "\u{0}", with: "")
                object[key] = randomValue(&rng, depth: depth + 1)
            }
            return .object(object)
        }
    }

    func testRandomTreesRoundTrip() throws {
        var rng = SeededGenerator(seed: 2024)
        for _ in 0..<500 {
            let value = randomValue(&rng, depth: 0)
            XCTAssertEqual(try JSONValue.parse(value.serialized()), value)
        }
    }

    /// Replaces, inserts, deletes or truncates a few bytes.
    private func damage(_ input: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var out = input
        for _ in 0..<(1 + rng.next() % 3) where !out.isEmpty {
            let at = Int(rng.next() % UInt64(out.count))
            let byte = UInt8(truncatingIfNeeded: rng.next())
            switch rng.next() % 4 {
            case 0: out[at] = byte
            case 1: out.insert(byte, at: at)
            case 2: out.remove(at: at)
            default: out.removeSubrange(at...)
            }
        }
        return out
    }

    func testDamagedMessagesAreRefusedCleanly() {
        var rng = SeededGenerator(seed: 77)
        let originals = [
            bytes(#"{"jsonrpc":"2.0","method":"search","params":{"query":"café 😀","k":10,"v":[1.5,-2e-3]},"id":"q1"}"#),
            bytes(#"[{"jsonrpc":"2.0","method":"a","id":1},{"jsonrpc":"2.0","result":[null,true],"id":2}]"#),
        ]
        for round in 0..<3_000 {
            let input = damage(originals[round % originals.count], &rng)
            do {
                let value = try JSONValue.parse(input)
                // Whatever was accepted must be stable under a round trip.
                XCTAssertEqual(try JSONValue.parse(value.serialized()), value)
            } catch {
                XCTAssertTrue(error is JSONParseError, "\(error)")
            }
            _ = RPCInboundBody.parse(input)
        }
    }

    func testDamagedStreamsNeverCrashTheFramer() {
        var rng = SeededGenerator(seed: 5)
        let body = bytes(#"{"jsonrpc":"2.0","method":"m","id":1}"#)
        for framing in [Framing.contentLength, .newlineDelimited] {
            let clean = Array(repeating: framing.frame(body), count: 4).flatMap { $0 }
            for _ in 0..<1_000 {
                let input = damage(clean, &rng)
                var framer = MessageFramer(limits: FramingLimits(maxMessageBytes: 64, maxHeaderBytes: 64))
                var cursor = 0
                while cursor < input.count {
                    let step = 1 + Int(rng.next() % 16)
                    framer.append(input[cursor..<min(cursor + step, input.count)])
                    cursor += step
                    do {
                        while let message = try framer.nextMessage() {
                            XCTAssertLessThanOrEqual(message.count, 64)
                        }
                    } catch {
                        XCTAssertTrue(error is FramingError)
                        break
                    }
                }
            }
        }
    }
}
