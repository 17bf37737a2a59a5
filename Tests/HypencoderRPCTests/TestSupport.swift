/// Small helpers shared by the RPC tests: a seeded random generator (so failures reproduce)
/// and byte/text conversions.
import XCTest

@testable import HypencoderRPC

/// SplitMix64: a tiny deterministic generator so "random" test inputs are the same each run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// Parses text that the test knows to be valid JSON.
func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> JSONValue {
    do {
        return try JSONValue.parse(text)
    } catch {
        XCTFail("unexpected parse failure: \(error)", file: file, line: line)
        return .null
    }
}

/// The parse error for text the test expects to be refused.
func parseError(
    _ input: [UInt8], options: JSONParseOptions = JSONParseOptions(),
    file: StaticString = #filePath, line: UInt = #line
) -> JSONParseError? {
    do {
        let value = try JSONValue.parse(input, options: options)
        XCTFail("expected a parse error, got \(value)", file: file, line: line)
        return nil
    } catch let error as JSONParseError {
        return error
    } catch {
        XCTFail("unexpected error type \(error)", file: file, line: line)
        return nil
    }
}
