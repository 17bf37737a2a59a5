import HypencoderIndex
import HypencoderModel
import HypencoderRPC
import XCTest

@testable import HypencoderDaemon

/// Handlers let the index's and the model's errors through; the dispatcher turns whatever a
/// handler throws into a JSON-RPC error in one place (`RPCError(handlerFailure:)`). These are
/// the codes and messages Docs/protocol.md promises.
final class ErrorMapTests: XCTestCase {
    func testIndexErrorsBecomeIndexErrorWithTheIndexWording() {
        let failure = IndexError.limitExceeded(limit: "maxTextBytes (document 'a')", value: 5, maximum: 4)
        let error = RPCError(handlerFailure: failure)
        XCTAssertEqual(error.code, -32022)
        XCTAssertEqual(error.code, ServerErrorCode.indexError)
        XCTAssertEqual(error.message, "index: \(failure)")
    }

    func testModelErrorsBecomeInternalErrorsNamingTheModel() {
        let failure = ModelError.invalidInput("document vectors have 3 values, the q-net takes 4")
        let error = RPCError(handlerFailure: failure)
        XCTAssertEqual(error.code, RPCError.Code.internalError)
        XCTAssertEqual(error.message, "model: \(failure)")
    }

    func testRPCErrorsPassThroughAndOtherErrorsAreInternal() {
        let refusal = RPCError.invalidParams(path: "params.k", "must be at least 1")
        XCTAssertEqual(RPCError(handlerFailure: refusal), refusal)
        XCTAssertEqual(RPCError(handlerFailure: RPCError.requestCancelled()).code, RPCError.Code.requestCancelled)
        struct Unexpected: Error, CustomStringConvertible { var description: String { "something else" } }
        let error = RPCError(handlerFailure: Unexpected())
        XCTAssertEqual(error.code, RPCError.Code.internalError)
        XCTAssertEqual(error.message, "something else")
    }

    func testMissingModelAndIndexNameTheFlags() {
        XCTAssertEqual(RPCError.modelNotLoaded().code, -32020)
        XCTAssertTrue(RPCError.modelNotLoaded().message.contains("--model"))
        XCTAssertEqual(RPCError.indexNotLoaded().code, -32021)
        XCTAssertTrue(RPCError.indexNotLoaded().message.contains("--index"))
    }
}
