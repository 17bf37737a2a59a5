import CUV
import CoreScheduling
import Foundation
import HypencoderRPC

/// The daemon: one libuv loop, a listener, connections, a dispatcher, a worker pool and the
/// model and index behind the methods.
///
/// Start-up (`run`): take the systemd socket or bind the path, install signal handlers,
/// tell systemd READY=1, run the loop. Shut-down (`stop`, from SIGTERM/SIGINT or the `exit`
/// method) drains: stop accepting and remove the socket at once (so a restarted daemon can
/// bind it), refuse new requests, wait for requests in flight, send their replies, close
/// the connections, checkpoint the index, then close every handle so the loop returns.
/// `drainTimeoutSeconds` bounds the wait; past it, connections are closed as they are.
public final class Server: ConnectionDelegate, ServerControl {
    private var configuration: DaemonConfiguration
    private let reloadConfiguration: () throws -> DaemonConfiguration
    private let eventLoop: EventLoop
    private let pool: WorkerPool
    /// Splits each request over the cores (issue 11); the workers are its callers.
    private let scheduler: CoreScheduler
    private var dispatcher: Dispatcher!
    private let modelAndIndex: ModelAndIndex
    private let notifier: SystemdNotifier?
    private let startedAt = uv_hrtime()

    private var listener: Listener?
    private var connections: [Int: Connection] = [:]
    private var nextConnectionNumber = 1
    private var signalWatchers: [SignalWatcher] = []
    private var timers: [LoopTimer] = []

    private var isStopping = false
    private var isClosingConnections = false
    private var isFinished = false
    private var exitCode: Int32 = 0

    /// Call on the thread that will run the loop (the main thread).
    public init(
        configuration: DaemonConfiguration, modelAndIndex: ModelAndIndex,
        reloadConfiguration: @escaping () throws -> DaemonConfiguration
    ) throws {
        self.configuration = configuration
        self.reloadConfiguration = reloadConfiguration
        self.modelAndIndex = modelAndIndex
        eventLoop = try EventLoop()
        pool = WorkerPool(threads: configuration.workers)
        scheduler = CoreScheduler(threads: configuration.threads ?? CoreScheduler.availableCores())
        notifier = SystemdNotifier()
        dispatcher = Dispatcher(
            eventLoop: eventLoop, pool: pool, scheduler: scheduler,
            methods: MethodTable.make(for: modelAndIndex, debugMethods: configuration.debugMethods),
            limits: { [unowned self] in self.configuration.limits })
        dispatcher.control = self
    }

    var currentLimits: ServerLimits { configuration.limits }

    /// Serves until stopped; returns the process exit code.
    public func run() throws -> Int32 {
        eventLoop.assertOnLoopThread()
        let accept: (UnsafeMutablePointer<uv_pipe_t>) -> Void = { [unowned self] in self.accept($0) }
        do {
            if let activated = try Listener.activated(eventLoop: eventLoop, onConnection: accept) {
                listener = activated
            } else {
                listener = try Listener.bind(
                    path: configuration.socketPath, mode: configuration.socketMode,
                    eventLoop: eventLoop, onConnection: accept)
            }
        } catch {
            // Nothing was served: close the loop's own handles and free it, as after a run.
            eventLoop.closeAllHandles()
            eventLoop.run()
            pool.stop()
            scheduler.stop()
            eventLoop.destroy()
            throw error
        }
        signalWatchers = SignalWatcher.install(
            eventLoop,
            stop: { [unowned self] reason in
                log.info("\(reason) received: draining")
                self.stop(exitCode: 0)
            }, reload: { [unowned self] in self.reload() })
        if let interval = notifier?.watchdogInterval {
            let timer = LoopTimer(eventLoop) { [unowned self] in self.notifier?.watchdog() }
            let period = UInt64(max(1, interval * 1000 / 2))
            timer.start(after: period, repeatEvery: period)
            timers.append(timer)
        }
        if notifier != nil {
            // `systemctl status` shows the last STATUS=; keep it current.
            let timer = LoopTimer(eventLoop) { [unowned self] in
                self.notifier?.status(
                    "serving: \(self.connections.count) connections, "
                        + "\(self.dispatcher.outstandingTasks) requests in flight")
            }
            timer.start(after: 5_000, repeatEvery: 5_000)
            timers.append(timer)
        }
        let address = listener?.description ?? "?"
        log.info(
            "listening on \(address) (mode \(String(configuration.socketMode, radix: 8)), "
                + "uids \(configuration.allowedUIDs), gids \(configuration.allowedGIDs), \(configuration.workers) workers, \(scheduler.threads) threads per request)"
        )
        notifier?.ready(status: "serving on \(address)")
        eventLoop.run()
        pool.stop()
        scheduler.stop()
        eventLoop.destroy()
        log.info("stopped (exit code \(exitCode))")
        return exitCode
    }

    // MARK: Connections

    private func accept(_ client: UnsafeMutablePointer<uv_pipe_t>) {
        var fd: uv_os_fd_t = -1
        var peer = hc_peer_credentials()
        guard uv_fileno(UV.asHandle(client), &fd) == 0, hc_get_peer_credentials(fd, &peer) == 0 else {
            log.warn("refused a connection: cannot read its credentials (SO_PEERCRED)")
            UV.close(client)
            return
        }
        guard configuration.allowedUIDs.contains(peer.uid) || configuration.allowedGIDs.contains(peer.gid) else {
            log.warn("refused a connection from pid \(peer.pid) uid \(peer.uid) gid \(peer.gid): not in the allowed uids/gids")
            UV.close(client)
            return
        }
        guard !isStopping else {
            UV.close(client)
            return
        }
        let limit = configuration.limits.maxConnections
        // Connections over the limit are kept just long enough to be told why (in their own
        // framing, so at their first message); far over it, they are closed unanswered so
        // idle refused connections cannot pile up either.
        guard connections.count < 2 * limit else {
            log.warn("refused a connection from pid \(peer.pid): \(connections.count) open, twice the server.connections limit")
            UV.close(client)
            return
        }
        let number = nextConnectionNumber
        nextConnectionNumber += 1
        let connection = Connection(number: number, handle: client, peer: peer, eventLoop: eventLoop, delegate: self)
        if connections.count >= limit {
            log.warn("connection \(number) from pid \(peer.pid): server.connections limit \(limit) reached")
            connection.refusal = .limit(
                "server.connections", max: limit, actual: connections.count + 1,
                "at most \(limit) connections are served at once")
        } else {
            log.debug("connection \(number) from pid \(peer.pid) uid \(peer.uid)")
        }
        connections[number] = connection
        connection.startReading()
    }

    func connection(_ connection: Connection, didReceive body: [UInt8]) {
        dispatcher.dispatch(body, from: connection)
    }

    func connectionDidClose(_ connection: Connection) {
        connections[connection.number] = nil
        log.debug("connection \(connection.number) closed")
        dispatcher.connectionClosed(connection)
        if isStopping { continueDraining() }
    }

    // MARK: Lifecycle

    func initializeResult() -> JSONValue {
        let capabilities: JSONValue = [
            "methods": .array(dispatcher.methodNames.map { .string($0) }),
            "framings": ["contentLength", "newlineDelimited"],
            "vectorEncodings": ["array", "base64"],
            "searchModes": .array(IndexHandlers.searchModes.map { .string($0) }),
            "cancellation": true,
            "workDoneProgress": true,
        ]
        return [
            "serverInfo": ["name": .string(DaemonVersion.name), "version": .string(DaemonVersion.version)],
            "capabilities": capabilities,
            "model": modelAndIndex.modelSummary(),
            "index": modelAndIndex.indexSummary(),
        ]
    }

    func statusResult(statistics: MethodStatistics) -> JSONValue {
        let inFlight = connections.values.reduce(0) { $0 + $1.pendingRequests.count }
        let paused = connections.values.filter(\.isPausedByBackpressure).count
        let unsent = connections.values.reduce(0) { $0 + $1.unsentBytes }
        let limits = configuration.limits
        return [
            "version": .string(DaemonVersion.version),
            "uptimeSeconds": .double((Double(uv_hrtime() &- startedAt) / 1e6).rounded() / 1000),
            "shuttingDown": .bool(dispatcher.shutdownRequested || isStopping),
            "connections": [
                "open": .integer(Int64(connections.count)),
                "pausedForBackpressure": .integer(Int64(paused)),
                "unsentReplyBytes": .integer(Int64(unsent)),
            ],
            "work": [
                "inFlight": .integer(Int64(inFlight)),
                "queued": .integer(Int64(pool.queuedCount)),
                "running": .integer(Int64(pool.runningCount)),
                "workers": .integer(Int64(configuration.workers)),
                "threads": .integer(Int64(scheduler.threads)),
            ],
            "methods": statistics.json,
            "memory": ["residentBytes": ProcessMemory.residentBytes().map { .integer(Int64($0)) } ?? .null],
            "limits": [
                "maxMessageBytes": .integer(Int64(limits.maxMessageBytes)),
                "maxBatchLength": .integer(Int64(limits.maxBatchLength)),
                "maxInFlightPerConnection": .integer(Int64(limits.maxInFlightPerConnection)),
                "maxConnections": .integer(Int64(limits.maxConnections)),
                "maxUnsentReplyBytes": .integer(Int64(limits.maxUnsentReplyBytes)),
                "maxJSONDepth": .integer(Int64(limits.maxJSONDepth)),
            ],
            "model": modelAndIndex.modelSummary(),
            "index": modelAndIndex.indexSummary(),
        ]
    }

    func exitRequested(code: Int32) { stop(exitCode: code) }

    func requestFinished() {
        if isStopping { continueDraining() }
    }

    /// SIGHUP: re-read the config file and apply what can change without a restart.
    private func reload() {
        do {
            let fresh = try reloadConfiguration()
            if fresh.socketPath != configuration.socketPath || fresh.modelDirectory != configuration.modelDirectory
                || fresh.indexDirectory != configuration.indexDirectory || fresh.workers != configuration.workers
                || fresh.threads != configuration.threads
                || fresh.socketMode != configuration.socketMode
            {
                log.warn("SIGHUP: socket, model, index, workers and threads changes need a restart; keeping the running values")
            }
            configuration.limits = fresh.limits
            configuration.logLevel = fresh.logLevel
            configuration.allowedUIDs = fresh.allowedUIDs
            configuration.allowedGIDs = fresh.allowedGIDs
            Log.shared.level = fresh.logLevel
            log.info("SIGHUP: reloaded log level (\(fresh.logLevel.name)), limits and allowed peers")
        } catch {
            log.error("SIGHUP: reload failed, keeping the current configuration: \(error)")
        }
    }

    /// Starts draining. Idempotent.
    func stop(exitCode code: Int32) {
        eventLoop.assertOnLoopThread()
        guard !isStopping else { return }
        isStopping = true
        exitCode = code
        dispatcher.isDraining = true
        listener?.close()
        listener = nil
        notifier?.stopping(status: "draining")
        let deadline = LoopTimer(eventLoop) { [unowned self] in
            log.warn("drain timeout (\(self.configuration.drainTimeoutSeconds) s): closing \(self.connections.count) connections")
            for connection in Array(self.connections.values) { connection.close() }
            self.finish()
        }
        deadline.start(after: UInt64(configuration.drainTimeoutSeconds * 1000))
        timers.append(deadline)
        continueDraining()
    }

    private func continueDraining() {
        guard !isFinished else { return }
        if dispatcher.outstandingTasks > 0 { return }
        if !isClosingConnections {
            isClosingConnections = true
            for connection in Array(connections.values) { connection.finishAndClose() }
        }
        if connections.isEmpty { finish() }
    }

    /// Everything answered: checkpoint, close the remaining handles, let the loop return.
    private func finish() {
        guard !isFinished else { return }
        isFinished = true
        modelAndIndex.shutDown()
        for timer in timers { timer.close() }
        for watcher in signalWatchers { watcher.close() }
        timers = []
        signalWatchers = []
        eventLoop.closeAllHandles()
    }
}
