import CoreScheduling
import Foundation
import HypencoderRPC

/// A flag a running handler polls to learn that its request was cancelled
/// (`$/cancelRequest`, or the client went away). Set from the loop thread, read from a
/// worker; a lock keeps that well-defined without an atomics package.
final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }
}

/// What a handler gets besides its params: a way to notice cancellation and to report
/// progress. Handlers call `checkCancelled()` between units of work (each batch of
/// documents, each block of the index), so a cancelled request stops early and is
/// answered with -32800.
public struct RequestContext: Sendable {
    let cancellation: CancellationFlag
    let progressSink: (@Sendable (JSONValue) -> Void)?
    /// The connected peer's uid (SO_PEERCRED), nil for requests that did not come from a
    /// socket. Methods that read the user's files check it (`WorkspaceHandlers`).
    let peerUID: UInt32?
    /// The cores this request may split its work over, and its priority there (the
    /// dispatcher chooses by method: `MethodTable.bulkMethods`).
    public let parallelism: Parallelism

    init(
        cancellation: CancellationFlag, progressSink: (@Sendable (JSONValue) -> Void)?, peerUID: UInt32? = nil,
        parallelism: Parallelism = .serial
    ) {
        self.cancellation = cancellation
        self.progressSink = progressSink
        self.peerUID = peerUID
        self.parallelism = parallelism
    }

    /// A context that is never cancelled and reports nowhere (loop-thread handlers, tests).
    static let detached = RequestContext(cancellation: CancellationFlag(), progressSink: nil)

    public var isCancelled: Bool { cancellation.isCancelled }

    /// Throws the -32800 error if the request has been cancelled.
    public func checkCancelled() throws {
        if cancellation.isCancelled { throw RPCError.requestCancelled() }
    }

    /// Sends a `$/progress` "report" if the client asked for progress (`workDoneToken`).
    /// The dispatcher sends "begin" before the handler runs and "end" after it.
    public func report(_ message: String, percentage: Int? = nil) {
        guard let progressSink else { return }
        var value: JSONObject = ["kind": "report", "message": .string(message)]
        if let percentage { value["percentage"] = .integer(Int64(max(0, min(100, percentage)))) }
        progressSink(.object(value))
    }
}

/// A method implementation: params in, result out. Runs on a worker thread. It throws
/// `RPCError` for what it checks itself, and lets the index's and the model's errors through:
/// the dispatcher maps every thrown error once (`RPCError(handlerFailure:)`: `IndexError` →
/// -32022, `ModelError` → -32603 "model: …", anything else → -32603).
public typealias MethodHandler = @Sendable (ParamsReader, RequestContext) throws -> JSONValue

/// Collects the replies to one incoming body and sends them when the last one is in: a
/// single request replies once, and a batch replies once with all its members (JSON-RPC
/// 2.0 §6), even when some members ran on workers and finished in a different order.
/// Loop thread only.
final class ReplyCollector {
    private let isBatch: Bool
    private var responses: [RPCResponse] = []
    private var outstanding = 0
    private var sealed = false
    private let send: ([UInt8]) -> Void

    init(isBatch: Bool, send: @escaping ([UInt8]) -> Void) {
        self.isBatch = isBatch
        self.send = send
    }

    /// One more reply will come later (a request sent to a worker).
    func expect() { outstanding += 1 }

    /// A reply that was expected with `expect()`.
    func deliver(_ response: RPCResponse?) {
        outstanding -= 1
        if let response { responses.append(response) }
        flushIfComplete()
    }

    /// A reply produced at once while the body is being dispatched.
    func add(_ response: RPCResponse) { responses.append(response) }

    /// Every member of the body has been dispatched; send now if nothing is outstanding.
    func seal() {
        sealed = true
        flushIfComplete()
    }

    private func flushIfComplete() {
        guard sealed, outstanding == 0 else { return }
        sealed = false  // send once
        if let reply = RPCResponse.encodeReply(responses, isBatch: isBatch) { send(reply) }
    }
}
