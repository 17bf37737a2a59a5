/// `ParamsReader` errors: every refusal is a -32602 whose message starts with the exact path
/// of the offending value and states the rule, and whose `data.path` repeats the path.
import XCTest

@testable import HypencoderRPC

final class ParamsReaderTests: XCTestCase {
    private func message(_ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            let value = try body()
            XCTFail("expected an error, got \(value)", file: file, line: line)
        } catch let error as RPCError {
            XCTAssertEqual(error.code, RPCError.Code.invalidParams, file: file, line: line)
            let path = error.data?["path"]?.stringValue ?? "<no path>"
            XCTAssertTrue(error.message.hasPrefix(path + ": "), error.message, file: file, line: line)
            return error.message
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return ""
    }

    private func reader(_ text: String) -> ParamsReader { ParamsReader(json(text)) }

    func testIntegerRangeMessage() throws {
        let params = reader(#"{"k": 0, "n": 2.5, "s": "7", "big": 1e30, "ok": 10, "whole": 10.0}"#)
        XCTAssertEqual(
            message { try params["k"].int(in: 1...1000) },
            "params.k: expected an integer in 1...1000, got 0")
        XCTAssertEqual(
            message { try params["n"].int(in: 1...1000) },
            "params.n: expected an integer in 1...1000, got 2.5")
        XCTAssertEqual(
            message { try params["s"].int(in: 1...1000) },
            "params.s: expected an integer in 1...1000, got a string")
        XCTAssertEqual(
            message { try params["missing"].int(in: 1...1000) },
            "params.missing: missing (expected an integer in 1...1000)")
        XCTAssertTrue(message { try params["big"].int(in: 1...1000) }.hasPrefix("params.big: expected an integer"))
        XCTAssertEqual(try params["ok"].int(in: 1...1000), 10)
        XCTAssertEqual(try params["whole"].int(in: 1...1000), 10)
        XCTAssertEqual(try params["missing"].int(in: 1...1000, default: 10), 10)
    }

    func testNullTakesTheDefault() throws {
        let params = reader(#"{"k": null, "mode": null, "flag": null}"#)
        XCTAssertEqual(try params["k"].int(in: 1...5, default: 3), 3)
        XCTAssertEqual(try params["mode"].choice(["exact", "approximate"], default: "exact"), "exact")
        XCTAssertEqual(try params["flag"].bool(default: true), true)
    }

    func testVectorLengthAndFinitenessMessages() {
        let short = (0..<383).map { _ in "0.5" }.joined(separator: ",")
        let params = reader(
            #"{"documents": [{}, {}, {"vector": [0,0,0,0,0,0,0,1e39]}, {"vector": [\#(short)]},"#
                + #" {"vector": "AADAfw=="}, {"vector": [1, "x"]}, {"vector": 5}]}"#)
        let documents = params["documents"]
        XCTAssertEqual(
            message { try documents[3]["vector"].floatVector(count: 384) },
            "params.documents[3].vector: expected 384 numbers, got 383")
        XCTAssertEqual(
            message { try documents[2]["vector"].floatVector() },
            "params.documents[2].vector[7]: 1e+39 is outside the float32 range")
        XCTAssertEqual(
            message { try documents[4]["vector"].floatVector() },
            "params.documents[4].vector[0]: not a finite number")  // base64 of NaN
        XCTAssertEqual(
            message { try documents[5]["vector"].floatVector() },
            "params.documents[5].vector[1]: expected a number, got a string")
        XCTAssertEqual(
            message { try documents[6]["vector"].floatVector() },
            "params.documents[6].vector: expected an array of numbers or a base64 float32 string, got an integer")
        XCTAssertEqual(
            message { try documents[9]["vector"].floatVector() },
            "params.documents[9].vector: missing (expected an array of numbers or a base64 float32 string)")
    }

    func testVectorsFromArraysAndBase64AreTheSame() throws {
        let values: [Float] = [0.25, -1.5, 3.0e-5, 1024]
        let params = ParamsReader(["a": .float32Array(values), "b": .string(Float32Base64.encode(values))])
        XCTAssertEqual(try params["a"].floatVector(count: 4), values)
        XCTAssertEqual(try params["b"].floatVector(count: 4), values)
        XCTAssertEqual(message { try params["b"].floatVector(count: 3) }, "params.b: expected 3 numbers, got 4")
        let bad = ParamsReader(["v": "AAAA"])
        XCTAssertTrue(
            message { try bad["v"].floatVector() }
                .hasPrefix("params.v: invalid base64 float32 vector: base64 decodes to 3 bytes"))
    }

    func testStringsChoicesAndObjects() throws {
        let params = reader(#"{"query": "", "long": "abcdef", "mode": "fast", "opts": {"topk": 3}, "ids": [1,2,3]}"#)
        XCTAssertEqual(message { try params["query"].string(allowEmpty: false) }, "params.query: must not be empty")
        XCTAssertEqual(
            message { try params["long"].string(maxLength: 5) },
            "params.long: string of 6 bytes is longer than the maximum of 5")
        XCTAssertEqual(
            message { try params["mode"].choice(["exact", "approximate"]) },
            #"params.mode: expected one of "exact", "approximate", got "fast""#)
        XCTAssertEqual(
            message { try params["opts"].object(allowedKeys: ["k", "mode"]) },
            "params.opts.topk: unknown field (expected one of: k, mode)")
        XCTAssertEqual(
            message { try params["ids"].array(count: 1...2) },
            "params.ids: expected an array of 1...2 elements, got 3")
        XCTAssertEqual(message { try params["query"].object() }, "params.query: expected an object, got a string")
        let ids = try params["ids"].array()
        XCTAssertEqual(ids.map(\.path), ["params.ids[0]", "params.ids[1]", "params.ids[2]"])
        XCTAssertEqual(try ids[1].int(in: 0...10), 2)
        XCTAssertEqual(
            message { try params["ids"][7].int(in: 0...10) },
            "params.ids[7]: missing (expected an integer in 0...10)")
    }

    /// Texts for the model: empty and whitespace-only are refused, naming the field; the
    /// length bound comes first and counts bytes.
    func testTextRefusesEmptyAndWhitespaceOnly() throws {
        let params = ParamsReader([
            "empty": "", "blank": " \t\n\u{00A0}\u{3000}", "ok": "  a  ", "long": "ééé", "number": 3,
        ])
        XCTAssertEqual(message { try params["empty"].text(maxLength: 10) }, "params.empty: must not be empty")
        XCTAssertEqual(
            message { try params["blank"].text(maxLength: 100) },
            "params.blank: must not be empty: it holds only whitespace (5 characters)")
        XCTAssertEqual(try params["ok"].text(maxLength: 5), "  a  ")
        XCTAssertEqual(
            message { try params["long"].text(maxLength: 5) },
            "params.long: string of 6 bytes is longer than the maximum of 5")
        XCTAssertEqual(message { try params["number"].text(maxLength: 5) }, "params.number: expected a string, got 3")
        XCTAssertEqual(message { try params["absent"].text(maxLength: 5) }, "params.absent: missing (expected a string)")
    }

    func testDoublesAndBooleans() throws {
        let params = reader(#"{"x": 0.5, "i": 2, "b": true, "n": "no"}"#)
        XCTAssertEqual(try params["x"].double(in: 0...1), 0.5)
        XCTAssertEqual(try params["i"].double(in: 0...3), 2)
        XCTAssertEqual(message { try params["i"].double(in: 0...1) }, "params.i: expected a number in 0.0...1.0, got 2.0")
        XCTAssertEqual(try params["b"].bool(), true)
        XCTAssertEqual(message { try params["n"].bool() }, "params.n: expected a boolean, got a string")
    }

    func testPositionalParams() throws {
        let params = reader(#"[42, "x"]"#)
        XCTAssertEqual(try params[0].int(in: 0...100), 42)
        XCTAssertEqual(message { try params[1].int(in: 0...100) }, "params[1]: expected an integer in 0...100, got a string")
    }
}
