import Foundation
import HypencoderIndex
import HypencoderModel

/// The model–index adapter: how a query's q-net scores the index's document vectors.
///
/// A query becomes scores in three steps (DESIGN.md §6): the model encodes the query text
/// into a `QNet`, a small network of its own (`HypencoderModel.encodeQueries`); the handler
/// wraps it in a `QNetScorer`; the index hands the scorer its stored rows a block at a time
/// (`DocumentScorer`, up to `IndexOptions.searchBlockRows` rows per call), and the q-net
/// scores each block with one SGEMM per layer and one SGEMV at the end
/// (`QNet.score(documents:count:dimension:into:workspace:)`).
///
/// Threading: `DocumentScorer` allows the index to call `score` from several threads at once
/// (parallel exact-search shares; and every request on the worker pool may score at the same
/// time). The q-net itself is immutable and shared; what is not shareable is its
/// `QNetWorkspace`, the activation buffers of a block. So each `score` call borrows a
/// workspace from a process-wide pool for the length of the call and gives it back: a
/// workspace is only ever used by one thread at a time, yet it is allocated once and reused
/// for every block of every search instead of once per block (a block's buffers are a few
/// megabytes: 2 × 512 rows × the widest layer). The pool holds at most as many workspaces as
/// were ever in use at once, i.e. the number of threads that scored concurrently.
///
/// Public so that `Benchmarks/DaemonBenchmarks` can time the same search in process.
public struct QNetScorer: DocumentScorer {
    let qnet: QNet
    /// The q-net prepared for the bf16 kernel, when it scores a bf16 index on a path that has
    /// one (`BFloat16Kernel`); nil: bf16 rows are widened and scored by `qnet`.
    let bfloat16: BFloat16QNet?
    public var dimension: Int { qnet.inputDimension }
    public var readsBFloat16Rows: Bool { bfloat16 != nil }

    /// How this process scores bf16 rows: decided once, from the CPU and the environment, and
    /// logged at start.
    public static let bfloat16Kernel = BFloat16Kernel.choose(environment: ProcessInfo.processInfo.environment)

    /// A scorer for rows stored as `storage`; the bf16 weights are packed here, once per
    /// query, and only for a bf16 index on a kernel path.
    public init(qnet: QNet, storage: VectorStorageType = .float32) {
        self.qnet = qnet
        bfloat16 = storage == .bfloat16 ? Self.bfloat16Kernel.prepare(qnet) : nil
    }

    public func score(documents: UnsafePointer<Float>, count: Int, into: UnsafeMutablePointer<Float>) {
        let workspace = WorkspacePool.shared.borrow()
        defer { WorkspacePool.shared.giveBack(workspace) }
        do {
            try qnet.score(documents: documents, count: count, dimension: dimension, into: into, workspace: workspace)
        } catch {
            // Only a dimension mismatch throws, and the index checks `dimension` first.
            into.update(repeating: -.infinity, count: count)
        }
    }

    public func score(bfloat16Documents: UnsafeRawPointer, count: Int, into: UnsafeMutablePointer<Float>) {
        // The index asks `readsBFloat16Rows` first, so this is never reached without a kernel.
        guard let bfloat16 else { return into.update(repeating: -.infinity, count: count) }
        let workspace = WorkspacePool.shared.borrow()
        defer { WorkspacePool.shared.giveBack(workspace) }
        bfloat16.score(bfloat16Documents: bfloat16Documents, count: count, into: into, workspace: workspace)
    }
}

/// Idle `QNetWorkspace`s, shared by every `QNetScorer` in the process. A workspace is lent to
/// one `score` call at a time; the lock is held only to take or return one, never while
/// scoring, so it costs one uncontended lock per block of rows.
private final class WorkspacePool: @unchecked Sendable {
    static let shared = WorkspacePool()

    private let lock = NSLock()
    private var idle: [QNetWorkspace] = []

    func borrow() -> QNetWorkspace {
        lock.lock()
        defer { lock.unlock() }
        return idle.popLast() ?? QNetWorkspace()
    }

    func giveBack(_ workspace: QNetWorkspace) {
        lock.lock()
        idle.append(workspace)
        lock.unlock()
    }
}
