import CBLAS
import Foundation

/// OpenBLAS, loaded at run time with a kernel chosen for this CPU.
///
/// Debian's OpenBLAS 0.3.21 does not recognise some current CPUs and then runs its SSE3
/// "Prescott" kernels, about 5× slower for SGEMM (DESIGN.md §5). The library reads
/// `OPENBLAS_CORETYPE` in its constructor, so the choice must exist before it loads. We
/// therefore never link OpenBLAS: `BLAS.load()` picks a kernel from the CPU's features
/// (`KernelChoice`), sets the variable, `dlopen`s the library, and checks the kernel against
/// a plain double-precision product. If the check fails it switches to the next, more
/// conservative kernel and says why in `BLASSelection.notes`.
///
/// Threading: `load()` may be called from any thread, any number of times. The GEMM entry
/// points may be called concurrently once `load()` has returned.
public enum BLAS {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var loaded: BLASSelection?

    /// The selection made by the first successful `load()`, if any.
    public static var selection: BLASSelection? {
        lock.lock()
        defer { lock.unlock() }
        return loaded
    }

    /// Loads OpenBLAS once and returns what was chosen. Throws `ModelError.blas` if no
    /// library can be loaded or no kernel passes the check.
    @discardableResult
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> BLASSelection
    {
        lock.lock()
        defer { lock.unlock() }
        if let loaded { return loaded }
        let choice = KernelChoice(environment: environment, cpuFlags: CPUFeatures.flags())
        // Threads spin after each call and burn a core between requests unless told to
        // sleep soon (DESIGN.md §5). 2^20 cycles (about 0.3 ms) keeps them warm within one
        // search and idle between requests. A caller's own setting wins.
        if environment["OPENBLAS_THREAD_TIMEOUT"] == nil {
            setenv("OPENBLAS_THREAD_TIMEOUT", "20", 1)
        }
        if let core = choice.candidates.first, choice.source != .environment {
            setenv("OPENBLAS_CORETYPE", core, 1)
        }
        let path = environment["HYPENCODER_OPENBLAS"] ?? "libopenblas.so.0"
        var message = [CChar](repeating: 0, count: 512)
        guard hc_blas_open(path, &message, message.count) == 0 else {
            throw ModelError.blas(String(cString: message))
        }
        var notes: [String] = []
        var verified = false
        for (index, candidate) in choice.candidates.enumerated() {
            if index > 0 {
                guard hc_blas_select_core(candidate) == 0 else {
                    notes.append("cannot switch kernel to \(candidate) at run time")
                    break
                }
            }
            if let failure = KernelCheck.run() {
                notes.append("kernel \(String(cString: hc_blas_corename())) failed the check: \(failure)")
                continue
            }
            verified = true
            break
        }
        if choice.candidates.isEmpty {
            if let failure = KernelCheck.run() {
                notes.append("library default kernel failed the check: \(failure)")
            } else {
                verified = true
            }
        }
        guard verified else {
            throw ModelError.blas(
                "no OpenBLAS kernel computed a correct product: " + notes.joined(separator: "; "))
        }
        let result = BLASSelection(
            corename: String(cString: hc_blas_corename()),
            requested: choice.candidates.first,
            source: choice.source,
            config: String(cString: hc_blas_config()),
            notes: notes)
        loaded = result
        return result
    }

    /// Row-major `C = alpha·op(A)·op(B) + beta·C` with op(X) = Xᵀ when `transposeX`.
    /// `m`×`n` result, inner dimension `k`; leading dimensions are row strides.
    @inline(__always)
    public static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        hc_sgemm(
            transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha,
            a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Row-major `y = alpha·op(A)·x + beta·y` for an `m`×`n` matrix A.
    @inline(__always)
    public static func sgemv(
        transposeA: Bool, m: Int, n: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
        beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        hc_sgemv(transposeA ? 1 : 0, Int32(m), Int32(n), alpha, a, Int32(lda), x, beta, y)
    }

    /// Sets the number of threads one BLAS call may use.
    public static func setThreads(_ count: Int) {
        hc_blas_set_threads(Int32(count))
    }
}

/// What `BLAS.load()` chose and why.
public struct BLASSelection: Sendable, Equatable {
    public enum Source: String, Sendable {
        /// `OPENBLAS_CORETYPE` was set by the caller; we kept it.
        case environment
        /// Chosen by us from the CPU's features.
        case detected
        /// No better kernel is known for this CPU; the library chose.
        case libraryDefault = "library default"
    }
    /// The kernel OpenBLAS runs now (`openblas_get_corename`).
    public let corename: String
    /// The kernel first asked for, if any.
    public let requested: String?
    public let source: Source
    /// OpenBLAS's build string.
    public let config: String
    /// Why a kernel was rejected, if one was; empty when the first choice passed.
    public let notes: [String]

    public var summary: String {
        var text = "OpenBLAS kernel \(corename) (\(source.rawValue))"
        if !notes.isEmpty { text += "; " + notes.joined(separator: "; ") }
        return text
    }
}
