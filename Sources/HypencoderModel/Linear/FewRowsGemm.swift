import CVectorKernels
import Foundation

/// Products over a query's few token rows, by the C kernel `hc_few_rows_gemm` instead of SGEMM.
///
/// With 16 rows a product costs reading its weights, not multiplying them, and OpenBLAS's
/// SGEMM first copies every weight matrix into its packed panel layout: under perf that copy
/// (`sgemm_incopy`) was 20–26 % of encoding a query with bert-base. The kernel reads each
/// weight once, where it lies, for all rows at once (DESIGN.md §5). Above `maximumRows` SGEMM
/// wins again: its packing pays for itself once enough rows reuse each packed panel (one core,
/// 1,152 × 768 weights: the kernel 1.2× SGEMM at 16 rows, 1.1× at 32, equal at 64, 0.9× at 128).
///
/// The kernel needs AVX2 and FMA; elsewhere, or with `HYPENCODER_FEW_ROWS_GEMM=off`, every
/// product goes to SGEMM as before. Both sum in a different order, so results differ by float
/// rounding only (FewRowsGemmTests).
public enum FewRowsGemm {
    /// The most rows a product may have to run here rather than in SGEMM.
    public static let maximumRows = 32

    /// Whether this process uses the kernel (read once: the CPU and the environment).
    public static let isAvailable: Bool = hc_few_rows_gemm_available() != 0

    /// "AVX2 kernel" or "SGEMM": what runs products of few rows in this process, for the log.
    public static var path: String { isAvailable ? "AVX2 kernel" : "SGEMM" }

    /// The environment variable that sends every product to SGEMM, and the one value it takes.
    public static let environmentVariable = "HYPENCODER_FEW_ROWS_GEMM"

    /// `C = alpha·A·Bᵀ` (A m × k, B n × k, C m × n, row-major; B as an nn.Linear's weight),
    /// in the kernel when either side has at most `maximumRows` rows (m: a query's tokens
    /// against a weight matrix; n: the hyperhead's generated rows against a query's keys,
    /// computed as B·Aᵀ and written transposed), else in SGEMM. Used by every dense layer and
    /// the hyperhead's scores; the q-net's document scoring (blocks of up to 512 documents) and
    /// BERT's per-head attention (64 wide) call SGEMM directly, where the kernel was not measured.
    static func multiplyByTranspose(
        m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if isAvailable && m <= maximumRows {
            multiply(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, w: b, ldw: ldb, c: c, ldc: ldc)
        } else if isAvailable && n <= maximumRows {
            multiply(m: n, n: m, k: k, alpha: alpha, a: b, lda: ldb, w: a, ldw: lda, c: c, ldc: 1, columnStride: ldc)
        } else {
            BLAS.sgemm(
                transposeA: false, transposeB: true, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                c: c, ldc: ldc)
        }
    }

    /// The kernel itself: `c[i·ldc + j·columnStride] = alpha·Σ_p a[i·lda + p] · w[j·ldw + p]`,
    /// i < m, j < n, p < k. `columnStride` other than 1 writes the result transposed. Call only
    /// when `isAvailable`.
    @inline(__always)
    static func multiply(
        m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, w: UnsafePointer<Float>,
        ldw: Int, c: UnsafeMutablePointer<Float>, ldc: Int, columnStride: Int = 1
    ) {
        hc_few_rows_gemm(m, n, k, alpha, a, lda, w, ldw, c, ldc, columnStride)
    }

    /// Why `environment`'s `HYPENCODER_FEW_ROWS_GEMM` is ignored, or nil when it is unset or
    /// "off", so the daemon can log a typo rather than let it pass silently.
    public static func ignoredSetting(in environment: [String: String]) -> String? {
        EnvironmentSwitch.ignoredSetting(environmentVariable, in: environment, accepted: ["off"])
    }
}
