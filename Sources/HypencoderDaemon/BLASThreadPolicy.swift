import Foundation

/// How many threads each BLAS call may use, decided once before OpenBLAS loads.
///
/// Unless `OPENBLAS_NUM_THREADS` is set, the cores are divided among the workers (at least
/// one each). Why: with every worker's calls spreading over all cores, a long `index/add` and
/// the searches beside it oversubscribe the CPU; measured on 2 cores with 2 workers, search
/// p99 during ingestion was 3.9× idle with 2 BLAS threads per call and 1.2× with 1
/// (BENCHMARKS.md), at the cost of a lone search using one core. OpenBLAS reads the variable
/// once, when it is loaded (DESIGN.md §5), so this must run before the model is.
enum BLASThreadPolicy {
    /// Sets `OPENBLAS_NUM_THREADS` for `workers` workers unless the caller set it; returns the
    /// threads per call in effect.
    static func apply(workers: Int) -> Int {
        if let given = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"], let n = Int(given), n > 0 { return n }
        let threads = max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, workers))
        setenv("OPENBLAS_NUM_THREADS", String(threads), 1)
        return threads
    }
}
