import Foundation

/// How many threads each BLAS call may use, decided once before OpenBLAS loads.
///
/// One, unless `OPENBLAS_NUM_THREADS` is set. The daemon spreads a request over the cores
/// itself (`CoreScheduler`: blocks of documents, row slices and attention heads of a batch),
/// every piece a single-threaded BLAS call, which is what lets a lone request use every core
/// and a search beside a long ingestion take the cores first. Threaded BLAS calls inside
/// those pieces would multiply the threads (pieces × BLAS threads) and bring back the
/// oversubscription measured before (search p99 3.9× idle beside an ingestion with two BLAS
/// threads per call on two cores, BENCHMARKS.md). OpenBLAS reads the variable once, when it
/// is loaded (DESIGN.md §5), so this must run before the model is.
enum BLASThreadPolicy {
    /// Sets `OPENBLAS_NUM_THREADS` to 1 unless the caller set it; returns the threads per
    /// call in effect.
    static func apply() -> Int {
        if let given = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"], let n = Int(given), n > 0 { return n }
        setenv("OPENBLAS_NUM_THREADS", "1", 1)
        return 1
    }
}
