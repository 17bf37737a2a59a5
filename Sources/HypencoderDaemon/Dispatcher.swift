import CUV
import CoreScheduling
import Foundation
import HypencoderRPC

/// What the dispatcher needs from the server for the methods that are about the server
/// itself. Loop thread only.
protocol ServerControl: AnyObject {
    /// The `initialize` result (server info, capabilities, model and index summary).
    func initializeResult() -> JSONValue
    /// The `server/status` result.
    func statusResult(statistics: MethodStatistics) -> JSONValue
    /// `exit`: drain and stop the process with this code.
    func exitRequested(code: Int32)
    /// A request finished (the server waits for this while draining).
    func requestFinished()
}

/// One request handed to a worker and not yet answered.
final class PendingRequest {
    let request: RPCRequest
    let collector: ReplyCollector
    let cancellation = CancellationFlag()
    let startedAt: UInt64
    let progressToken: JSONValue?
    /// The queued or running work. Its closure holds this request (to answer it), so the two
    /// form a cycle that `Dispatcher.complete` and `connectionClosed` break by clearing this;
    /// until a fix on 2026-12-07 nothing did, and every request run on a worker leaked its
    /// params (a 100 KB text leaked 100 KB; Tests/python/test_memory_bounded.py).
    var task: WorkerPool.Task?

    init(request: RPCRequest, collector: ReplyCollector, startedAt: UInt64, progressToken: JSONValue?) {
        self.request = request
        self.collector = collector
        self.startedAt = startedAt
        self.progressToken = progressToken
    }
}

/// Turns message bodies into work and replies.
///
/// Parsing and validation happen here, on the loop thread (the JSON is small next to the
/// model work, and it keeps the protocol single-threaded). The methods about the server
/// itself — the LSP lifecycle, `$/cancelRequest`, `server/status` — are answered on the
/// loop at once. Everything else goes to the `WorkerPool`; its result comes back through
/// `EventLoop.post` and is written in the connection's framing. A batch is answered once,
/// when its last member is done (`ReplyCollector`); notifications are run but never
/// answered.
///
/// Lifecycle (LSP, adapted to a daemon that serves many clients at once): `initialize` is
/// optional, but if a connection sends it, it must be that connection's first request.
/// `shutdown` is server-wide: afterwards every request except `exit` gets -32600 "server is
/// shutting down". `exit` stops the daemon, with exit code 0 after `shutdown`, 1 without.
final class Dispatcher {
    private let eventLoop: EventLoop
    private let pool: WorkerPool
    private let scheduler: CoreScheduler
    private let methods: [String: MethodHandler]
    private let limits: () -> ServerLimits
    weak var control: ServerControl?

    private(set) var statistics = MethodStatistics()
    private(set) var shutdownRequested = false
    /// Set when the server drains (SIGTERM or `exit`): no new work is accepted.
    var isDraining = false
    /// Tasks submitted to the pool whose completion has not reached the loop yet, including
    /// those of connections that closed meanwhile (draining waits for these too).
    private(set) var outstandingTasks = 0
    /// When to return finished requests' memory to the system (loop thread).
    private var heapTrim = HeapTrimSchedule()

    static let loopMethods: Set<String> = ["initialize", "shutdown", "exit", "$/cancelRequest", "server/status"]
    /// Methods whose pieces yield the cores to everything else (`WorkPriority.bulk`): long
    /// writes and batch encoding, which nobody watches piece by piece. The rest (search,
    /// score, encode/query, reads) are interactive.
    static let bulkMethods: Set<String> = ["index/add", "encode/documents", "workspace/index", "workspace/update"]

    init(
        eventLoop: EventLoop, pool: WorkerPool, scheduler: CoreScheduler = .serial, methods: [String: MethodHandler],
        limits: @escaping () -> ServerLimits
    ) {
        self.eventLoop = eventLoop
        self.pool = pool
        self.scheduler = scheduler
        self.methods = methods
        self.limits = limits
    }

    var methodNames: [String] { (Array(methods.keys) + Array(Self.loopMethods)).sorted() }

    // MARK: Bodies

    func dispatch(_ body: [UInt8], from connection: Connection) {
        eventLoop.assertOnLoopThread()
        if let refusal = connection.refusal {
            connection.send(RPCResponse(id: .null, error: refusal).json.serialized())
            connection.finishAndClose()
            return
        }
        heapTrim.received(body.count)
        let inbound = RPCInboundBody.parse(body, options: limits().parseOptions)
        let collector = ReplyCollector(isBatch: inbound.isBatch) { connection.send($0) }
        for item in inbound.items {
            switch item {
            case .invalid(let response):
                log.debug("connection \(connection.number): invalid message: \(response.json)")
                collector.add(response.namingLimit())
            case .message(.response):
                log.debug("connection \(connection.number): ignoring a response sent to the server")
            case .message(.request(let request)):
                handle(request, from: connection, collector: collector)
            }
        }
        collector.seal()
        heapTrim.trimIfDue(idle: outstandingTasks == 0)
    }

    // MARK: Requests

    private func handle(_ request: RPCRequest, from connection: Connection, collector: ReplyCollector) {
        let start = uv_hrtime()
        let isFirst = !connection.hasReceivedRequest
        connection.hasReceivedRequest = true
        func answer(_ outcome: Result<JSONValue, RPCError>, known: Bool = true) {
            record(request, on: connection, known: known, outcome: outcome, since: start)
            if let id = request.id { collector.add(RPCResponse(id: id, outcome: outcome)) }
        }

        if (shutdownRequested || isDraining) && request.method != "exit" && request.method != "$/cancelRequest" {
            return answer(.failure(.invalidRequest("server is shutting down")))
        }
        switch request.method {
        case "initialize":
            if connection.isInitialized {
                return answer(.failure(.invalidRequest("initialize was already received on this connection")))
            }
            guard isFirst else {
                return answer(
                    .failure(
                        .invalidRequest(
                            "initialize must be the first request on a connection (it is optional: omit it or send it first)")))
            }
            connection.isInitialized = true
            answer(.success(control?.initializeResult() ?? .null))
        case "shutdown":
            shutdownRequested = true
            log.info("shutdown requested by connection \(connection.number); waiting for exit")
            answer(.success(.null))
        case "exit":
            answer(.success(.null))
            let code: Int32 = shutdownRequested ? 0 : 1
            log.info("exit requested by connection \(connection.number) (exit code \(code))")
            // After this body's replies are queued, so an `exit` request with an id is answered.
            eventLoop.post { [self] in control?.exitRequested(code: code) }
        case "$/cancelRequest":
            // An id that names no pending request is fine (LSP allows the race); a missing
            // or mistyped id is a client bug worth reporting when the client asked for a reply.
            guard let idValue = ParamsReader(request.params)["id"].value, RPCID(json: idValue) != nil else {
                return answer(
                    .failure(
                        .invalidParams(path: "params.id", "expected the id (integer or string) of a request on this connection")))
            }
            cancel(idValue, on: connection)
            answer(.success(.null))
        case "server/status":
            answer(.success(control?.statusResult(statistics: statistics) ?? .null))
        default:
            guard let handler = methods[request.method] else {
                return answer(.failure(.methodNotFound(request.method)), known: false)
            }
            let limit = limits().maxInFlightPerConnection
            guard connection.pendingRequests.count < limit else {
                return answer(
                    .failure(
                        .limit(
                            "connection.inFlight", max: limit, actual: connection.pendingRequests.count + 1,
                            "at most \(limit) requests may be queued or running per connection; wait for replies before sending more"
                        )))
            }
            enqueue(request, handler: handler, from: connection, collector: collector, start: start)
        }
    }

    private func enqueue(
        _ request: RPCRequest, handler: @escaping MethodHandler, from connection: Connection,
        collector: ReplyCollector, start: UInt64
    ) {
        let token = Self.progressToken(request.params)
        let pending = PendingRequest(request: request, collector: collector, startedAt: start, progressToken: token)
        collector.expect()
        connection.pendingRequests.append(pending)

        var sink: (@Sendable (JSONValue) -> Void)?
        if let token {
            connection.sendNotification(
                method: "$/progress",
                params: [
                    "token": token,
                    "value": ["kind": "begin", "title": .string(request.method), "message": "queued", "percentage": 0],
                ])
            sink = { [eventLoop] value in
                eventLoop.post { connection.sendNotification(method: "$/progress", params: ["token": token, "value": value]) }
            }
        }
        let priority: WorkPriority = Self.bulkMethods.contains(request.method) ? .bulk : .interactive
        let context = RequestContext(
            cancellation: pending.cancellation, progressSink: sink, peerUID: UInt32(connection.peer.uid),
            parallelism: Parallelism(scheduler: scheduler, priority: priority))
        let params = ParamsReader(request.params)
        let eventLoop = self.eventLoop
        // Strong captures: the dispatcher lives until the process exits, and the closure ends
        // with the task (`complete` clears `pending.task`). A weak capture here gave the
        // dispatcher a weak-reference side table that, once the closures were gone, only its
        // encoded refcount pointed to, which LeakSanitizer reports as a leak at exit.
        let task = WorkerPool.Task { [self] in
            let outcome = Self.run(handler, params: params, context: context)
            eventLoop.post { [self] in
                outstandingTasks -= 1
                complete(pending, outcome: outcome, connection: connection)
            }
        }
        pending.task = task
        outstandingTasks += 1
        pool.submit(task)
    }

    /// Runs a handler on its worker thread. Whatever it throws becomes a JSON-RPC error here,
    /// in one place (`RPCError(handlerFailure:)`): handlers let the index's and the model's
    /// errors through instead of wrapping each call.
    private static func run(
        _ handler: MethodHandler, params: ParamsReader,
        context: RequestContext
    ) -> Result<JSONValue, RPCError> {
        if context.isCancelled { return .failure(.requestCancelled()) }
        do {
            return .success(try handler(params, context))
        } catch {
            return .failure(RPCError(handlerFailure: error))
        }
    }

    private func complete(_ pending: PendingRequest, outcome: Result<JSONValue, RPCError>, connection: Connection) {
        pending.task = nil  // breaks the task → closure → pending cycle
        connection.pendingRequests.removeAll { $0 === pending }
        record(pending.request, on: connection, known: true, outcome: outcome, since: pending.startedAt)
        if let token = pending.progressToken {
            let message: String
            switch outcome {
            case .success: message = "done"
            case .failure(let error): message = error.message
            }
            connection.sendNotification(
                method: "$/progress",
                params: [
                    "token": token, "value": ["kind": "end", "message": .string(message)],
                ])
        }
        pending.collector.deliver(pending.request.id.map { RPCResponse(id: $0, outcome: outcome) })
        connection.closeIfIdle()
        control?.requestFinished()
        heapTrim.trimIfDue(idle: outstandingTasks == 0)
    }

    // MARK: Cancellation

    /// `$/cancelRequest`: a queued request is dropped and answered with -32800 now; a
    /// running one has its flag set and answers when its handler returns.
    private func cancel(_ idValue: JSONValue?, on connection: Connection) {
        guard let idValue, let id = RPCID(json: idValue),
            let pending = connection.pendingRequests.first(where: { $0.request.id == id })
        else { return }  // unknown or finished: nothing to do (LSP allows this race)
        if let task = pending.task, pool.removeIfQueued(task) {
            outstandingTasks -= 1
            complete(
                pending, outcome: .failure(.requestCancelled("request \(id) cancelled before it started")),
                connection: connection)
        } else {
            pending.cancellation.cancel()
        }
    }

    /// The client is gone: queued work is dropped, running work is told to stop.
    func connectionClosed(_ connection: Connection) {
        for pending in connection.pendingRequests {
            if let task = pending.task, pool.removeIfQueued(task) {
                outstandingTasks -= 1
                pending.task = nil
                connection.pendingRequests.removeAll { $0 === pending }
            } else {
                pending.cancellation.cancel()
            }
        }
        control?.requestFinished()
    }

    // MARK: Helpers

    /// Counts the request for `server/status` and logs it at debug (method, id, outcome and
    /// time; never params, which may hold document text).
    private func record(
        _ request: RPCRequest, on connection: Connection, known: Bool,
        outcome: Result<JSONValue, RPCError>, since start: UInt64
    ) {
        let micros = Double(uv_hrtime() &- start) / 1000
        var succeeded = true
        var summary = "ok"
        if case .failure(let error) = outcome {
            succeeded = false
            summary = "error \(error.code)"
        }
        statistics.record(method: request.method, known: known, succeeded: succeeded, microseconds: micros)
        if log.isEnabled(.debug) {
            let method = known ? request.method : "(unknown method)"
            log.debug(
                "connection \(connection.number): \(method) id \(request.id.map { "\($0)" } ?? "-") "
                    + "\(summary) in \(Int(micros)) µs")
        }
    }

    /// `params.workDoneToken` when it is a string or an integer (LSP's ProgressToken).
    static func progressToken(_ params: JSONValue?) -> JSONValue? {
        switch params?["workDoneToken"] {
        case .string(let s)?: return .string(s)
        case .integer(let i)?: return .integer(i)
        default: return nil
        }
    }
}
