/// JSON parsing and writing: round trips, Unicode and escapes, and every kind of input the
/// parser promises to refuse (bad UTF-8, deep nesting, NaN, out-of-range integers,
/// duplicate keys) without crashing.
import XCTest

@testable import HypencoderRPC

final class JSONValueTests: XCTestCase {
    func testRoundTripKeepsEveryKindOfValue() throws {
        let value: JSONValue = [
            "null": .null, "yes": true, "no": false, "int": 42, "negative": -7,
            "max": .integer(Int64.max), "min": .integer(Int64.min), "double": 2.5,
            "tiny": .double(5e-324), "huge": .double(1.7976931348623157e308),
            "text": "hello", "empty": "", "list": [1, "two", [3.5, .null]],
            "nested": ["a": ["b": ["c": []]]], "emptyObject": .object(JSONObject()),
        ]
        let reparsed = try JSONValue.parse(value.serialized())
        XCTAssertEqual(reparsed, value)
    }

    func testSerializationIsCompactAndKeepsKeyOrder() throws {
        let input = "{ \"zeta\" : 1,\n \"alpha\" : [ true , null ],\t\"mid\": {\"y\": 2, \"x\": 3} }"
        let value = try JSONValue.parse(input)
        XCTAssertEqual(value.objectValue?.keys, ["zeta", "alpha", "mid"])
        XCTAssertEqual(
            value.serializedString(),
            "{\"zeta\":1,\"alpha\":[true,null],\"mid\":{\"y\":2,\"x\":3}}")
    }

    func testObjectEqualityIgnoresKeyOrder() throws {
        XCTAssertEqual(try JSONValue.parse("{\"a\":1,\"b\":2}"), try JSONValue.parse("{\"b\":2,\"a\":1}"))
        XCTAssertNotEqual(try JSONValue.parse("{\"a\":1}"), try JSONValue.parse("{\"a\":1.0}"))
    }

    func testUnicodeAndEscapesDecode() throws {
        let value = try JSONValue.parse(#""caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t é😀 中文""#)
        XCTAssertEqual(value, .string("café 😀 \"q\" \\ / \u{8}\u{c}\n\r\t é😀 中文"))
    }

    func testWriterEscapesOnlyWhatJSONRequires() throws {
        var all = ""
        for scalar in 0..<0x20 { all.unicodeScalars.append(Unicode.Scalar(UInt8(scalar))) }
        all += "\"\\/é😀\u{2028}"
        let written = JSONValue.string(all).serialized()
        // No raw control byte survives (this is what makes NDJSON framing safe).
        XCTAssertFalse(written.contains(where: { $0 < 0x20 }))
        XCTAssertEqual(try JSONValue.parse(written), .string(all))
        let textForm = text(written)
        XCTAssertTrue(textForm.contains("é😀"), "non-ASCII is written as UTF-8, not escaped")
        XCTAssertTrue(textForm.hasPrefix("\"\\u0000\\u0001"))
        XCTAssertTrue(textForm.contains("\\n") && textForm.contains("\\t"))
    }

    func testEmbeddedNulIsAllowedInStringsButNotKeys() throws {
        let value = try JSONValue.parse(#"{"k": "x\u0000y"}"#)
        XCTAssertEqual(value["k"], .string("x\u{0}y"))
        XCTAssertEqual(try JSONValue.parse(value.serialized()), value)
        // jansson cannot store NUL in keys; it is refused, not truncated.
        XCTAssertTrue(parseError(bytes(#"{"a\u0000b": 1}"#))?.description.contains("NUL") ?? false)
    }

    func testInvalidUTF8IsRefusedWithItsOffset() {
        let cases: [(String, [UInt8])] = [
            ("overlong two-byte", [0x22, 0xC0, 0x80, 0x22]),
            ("overlong three-byte", [0x22, 0xE0, 0x80, 0xAF, 0x22]),
            ("surrogate", [0x22, 0xED, 0xA0, 0x80, 0x22]),
            ("past U+10FFFF", [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22]),
            ("lone continuation", [0x22, 0x80, 0x22]),
            ("truncated at end", [0x22, 0xE2, 0x82]),
            ("truncated before quote", [0x22, 0xE2, 0x82, 0x22]),
            ("invalid lead", [0x22, 0xFF, 0x22]),
        ]
        for (name, input) in cases {
            guard let error = parseError(input) else { continue }
            XCTAssertTrue(
                error.description.contains("UTF-8") || error.description.contains("unterminated"),
                "\(name): \(error)")
            XCTAssertEqual(error.offset, 1, name)
        }
        XCTAssertNotNil(parseError([0xC3, 0xA9]), "non-ASCII outside a string")
    }

    func testLoneSurrogateEscapeIsRefused() {
        XCTAssertNotNil(parseError(bytes(#""\ud800""#)))
        XCTAssertNotNil(parseError(bytes(#""\udc00x""#)))
    }

    func testNestingUpToTheLimitParsesAndBeyondIsALimitError() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        XCTAssertNoThrow(try JSONValue.parse(ok))
        let tooDeep = "{\"a\":" + ok + "}"
        let error = parseError(bytes(tooDeep))
        XCTAssertEqual(error?.limit, LimitViolation(name: .jsonDepth, max: 64, actual: 65))

        let custom = JSONParseOptions(maxDepth: 3)
        XCTAssertNoThrow(try JSONValue.parse("[[[1]]]", options: custom))
        XCTAssertEqual(parseError(bytes("[[[[1]]]]"), options: custom)?.limit?.max, 3)
    }

    func testHostileNestingIsRefusedWithoutRecursing() {
        let bomb = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        XCTAssertEqual(parseError(bomb)?.limit?.name, .jsonDepth)
        // Brackets inside strings do not count.
        let quoted = "\"" + String(repeating: "[", count: 10_000) + "\""
        XCTAssertNoThrow(try JSONValue.parse(quoted))
    }

    func testIntegersKeepAllSixtyFourBitsAndBeyondIsAnError() throws {
        XCTAssertEqual(try JSONValue.parse("9223372036854775807"), .integer(Int64.max))
        XCTAssertEqual(try JSONValue.parse("-9223372036854775808"), .integer(Int64.min))
        XCTAssertEqual(try JSONValue.parse("9007199254740993"), .integer(9_007_199_254_740_993))
        for big in ["9223372036854775808", "-9223372036854775809", "123456789012345678901234567890"] {
            let error = parseError(bytes("[1, \(big)]"))
            XCTAssertTrue(error?.description.contains("64 bits") ?? false, "\(error as Any)")
            XCTAssertEqual(error?.offset, 4)
        }
        // A fraction or exponent makes it a double, which may be large.
        XCTAssertEqual(try JSONValue.parse("1e20"), .double(1e20))
        XCTAssertEqual(try JSONValue.parse("9223372036854775808.0"), .double(9.223372036854775808e18))
        XCTAssertNotNil(parseError(bytes("1e400")), "double overflow")
    }

    func testNaNAndInfinityAreRefusedByName() {
        for token in ["NaN", "Infinity", "-Infinity", "[1, nan]", "{\"x\": -inf}"] {
            let error = parseError(bytes(token))
            XCTAssertTrue(error?.description.contains("NaN or Infinity") ?? false, "\(token): \(error as Any)")
        }
        XCTAssertNotNil(parseError(bytes("[undefined]")))
        XCTAssertNotNil(parseError(bytes("True")))
    }

    func testDuplicateKeysAreRefused() {
        let error = parseError(bytes(#"{"id": 1, "id": 2}"#))
        XCTAssertTrue(error?.description.contains("duplicate") ?? false, "\(error as Any)")
    }

    func testMalformedDocumentsAreRefused() {
        for input in ["", "   ", "{", "[1,]", "{\"a\" 1}", "[1] [2]", "01", "\"abc", "{'a': 1}", "\u{0}"] {
            XCTAssertNotNil(parseError(bytes(input)), "input: \(input.debugDescription)")
        }
    }

    func testScalarsAtTopLevelAreAccepted() throws {
        XCTAssertEqual(try JSONValue.parse("null"), JSONValue.null)
        XCTAssertEqual(try JSONValue.parse(" 12 "), .integer(12))
        XCTAssertEqual(try JSONValue.parse("\"s\""), .string("s"))
    }

    func testDoublesRoundTripExactlyThroughText() throws {
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<2_000 {
            let d = Double(bitPattern: rng.next())
            guard d.isFinite else { continue }
            XCTAssertEqual(try JSONValue.parse(JSONValue.double(d).serialized()), .double(d))
        }
        XCTAssertEqual(JSONValue.double(0.1).serializedString(), "0.1", "shortest text, as sent")
        XCTAssertEqual(JSONValue.double(-0.0).serializedString(), "-0.0")
    }

    func testFloat32PrintsShortDigitsThatReadBackExactly() throws {
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<5_000 {
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            guard f.isFinite else { continue }
            let written = JSONValue.float32(f).serializedString()
            let back = try JSONValue.parse(written).doubleValue.map(Float.init)
            XCTAssertEqual(back, f, written)
            let mantissa = written.split(whereSeparator: { $0 == "e" || $0 == "E" })[0]
            let significant = mantissa.filter(\.isNumber)
                .drop(while: { $0 == "0" }).reversed().drop(while: { $0 == "0" })
            XCTAssertLessThanOrEqual(significant.count, 9, written)
        }
        XCTAssertEqual(JSONValue.float32(0.1).serializedString(), "0.1")
    }

    func testNonFiniteDoublesAreWrittenAsNull() {
        XCTAssertEqual(
            JSONValue.array([.double(.nan), .double(.infinity), .float32(-.infinity)])
                .serializedString(), "[null,null,null]")
    }

    func testAccessors() throws {
        let value = try JSONValue.parse(#"{"i": 3, "d": 3.0, "f": 3.5, "s": "x", "a": [1], "b": false}"#)
        XCTAssertEqual(value["i"]?.int64Value, 3)
        XCTAssertEqual(value["d"]?.int64Value, 3, "whole doubles read as integers")
        XCTAssertNil(value["f"]?.int64Value)
        XCTAssertEqual(value["f"]?.doubleValue, 3.5)
        XCTAssertEqual(value["s"]?.stringValue, "x")
        XCTAssertEqual(value["a"]?.arrayValue, [1])
        XCTAssertEqual(value["b"]?.boolValue, false)
        XCTAssertNil(value["missing"])
        XCTAssertNil(JSONValue.double(9.3e18).int64Value, "beyond Int64")
    }

    func testObjectMutationKeepsOrderAndUniqueness() {
        var object: JSONObject = ["a": 1, "b": 2]
        object["a"] = 10
        object["c"] = 3
        object["b"] = nil
        XCTAssertEqual(object.keys, ["a", "c"])
        XCTAssertEqual(JSONValue.object(object).serializedString(), "{\"a\":10,\"c\":3}")
    }
}
