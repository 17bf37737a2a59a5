/// HypencoderDaemon: `hypencoderd`'s server — libuv transport, lifecycle, dispatch and the
/// method handlers. `Sources/hypencoderd/main.swift` only parses flags and calls `Server`.
///
/// One request's path (DESIGN.md §4):
///
///     Listener.accept ── SO_PEERCRED check ──▶ Connection            (loop thread)
///     Connection.didRead ── MessageFramer ──▶ Dispatcher.dispatch     (loop thread)
///     Dispatcher: RPCInboundBody.parse, lifecycle / $/cancelRequest / server/status here,
///                 everything else ──▶ WorkerPool                       (worker thread)
///     Dispatcher.run: handler(ParamsReader, RequestContext), a thrown error mapped
///                 once (RPCError(handlerFailure:)) ──▶ EventLoop.post  (uv_async_send)
///     Dispatcher.complete ──▶ ReplyCollector ──▶ Connection.send        (loop thread)
///
/// The one threading rule: only the loop thread touches libuv, sockets, connections and
/// the dispatcher; workers hand results back with `EventLoop.post`. `assertOnLoopThread()`
/// checks it at run time.
///
/// How a query becomes scores (`search`, `score`, on a worker):
///
///     qnet(forQuery:) ── HypencoderModel.encodeQueries ──▶ QNet     (the query's own network)
///     QNetScorer(qnet) ──▶ DocumentIndex.search / .score(ids:)      (through DocumentScorer)
///     IndexSnapshot ── BlockScorer: rows a block at a time ──▶ QNetScorer.score
///         ──▶ QNet.score: one SGEMM per layer + one SGEMV per block ──▶ TopKHeap
///     SearchResult: hits + the snapshot they were scored on ──▶ text, metadata ──▶ JSON
///
/// The index knows only `DocumentScorer`; `QNetScorer` is the one adapter between the two,
/// and lends each scoring call a `QNetWorkspace` from a shared pool (a workspace is never
/// used by two threads at once). Errors from the model and the index are not wrapped by the
/// handlers: `Dispatcher.run` maps whatever a handler throws, once (`ServerErrors`).
///
/// Files, one idea each:
/// - `EventLoop`: the loop, the cross-thread mailbox, handle ownership (`UV`); `LoopTimer`,
///   `Signals` (SIGTERM/SIGINT/SIGHUP through `uv_signal_t`, and RSS for status).
/// - `Listener` (bind rules, stale sockets, socket activation) and `SocketProbe`.
/// - `Connection`: framing, writes, backpressure, end of stream.
/// - `Dispatcher`: batches, notifications, lifecycle, cancellation, in-flight limit, and the
///   one map from a handler's error to a JSON-RPC error; `RequestContext` (cancellation
///   flag, progress, `ReplyCollector`, and the request's `Parallelism`: the server's
///   `CoreScheduler` at interactive or bulk priority, by method); `WorkerPool`.
/// - `Server`: ties the above together; start, drain and stop; `initialize` and
///   `server/status` results. `LatencyHistogram`: per-method counters for status.
/// - `ModelAndIndex` (and `+Loading`: start-up, undoing a failed start): what the methods
///   work on. `BLASThreadPolicy`: one BLAS thread per call, set before the model loads.
///   `ServerErrors`: the daemon's error codes (-32020/-32021/-32022) and the error map.
///   `QNetScorer`: the model–index adapter.
/// - `Handlers/`: `MethodTable` (which methods run on workers), `ModelHandlers`,
///   `IndexHandlers`, `DebugHandlers` (`debug/sleep`), `Encoding` (the query prelude and
///   chunked document encoding) and their per-request bounds (`HandlerLimits`).
/// - `Configuration`, `ConfigurationLoader`, `CommandLineOptions`: defaults, config file,
///   flags and `--help`; `DefaultModel`: the model used without `--model`
///   (`$HYPENCODER_MODEL`, then the `default-model` link in the XDG data home).
///   `Log`, `SystemdNotifier`, `LimitErrors`.
///
/// Tests: `Tests/HypencoderDaemonTests` (XCTest, real daemon processes over real sockets;
/// every reply they receive is logged and schema-checked by `Tests/python`), and
/// `Tests/python` (pytest: a third-party LSP client session, the bad-input catalogue with
/// the memory check, 64-client load, default model). `Docs/protocol.md` is the user's view;
/// `Benchmarks/DaemonBenchmarks` measures the protocol's costs.
///
/// Decisions recorded here (see also `Schemas/hypencoder.openrpc.json`):
/// - Lifecycle across many clients: `initialize` is per connection (optional, first if
///   sent); `shutdown` and `exit` are server-wide (`exit` stops the daemon: 0 after
///   `shutdown`, 1 without), as the LSP defines them for a server.
/// - No model (no `--model`, `$HYPENCODER_MODEL` or default-model link): the daemon starts
///   and model/index methods answer -32020/-32021 naming the missing flag. Server error codes: -32010 limit (data `{limit, max, actual}`),
///   -32020 no model, -32021 no index, -32022 index refused,
///   -32800 cancelled.
/// - A peer not on the allow-list is closed without an answer (the log says why); a peer
///   over the connection limit is answered with -32010 in its framing, then closed.
/// - EOF with the peer still able to read (a half-close, as `socat` does) finishes and
///   answers the work already sent; a peer that closed completely has its work cancelled.
public enum DaemonOverview {}
