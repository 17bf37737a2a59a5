import CVectorKernels

/// The bulk element-wise passes of encoding (the feed-forward GELU, attention's softmax
/// rows), run by the C kernels of `CVectorKernels`: the same arithmetic as `VectorMath`, bit
/// for bit, but in loops compiled for AVX2 as well as for the baseline and chosen from the
/// CPU at run time. With AVX2 the loops run 8 lanes instead of 4; GELU was 10 % of ingesting
/// text with MiniLM on two cores and the exponentials most of the 11 % spent in attention
/// outside the GEMMs (perf, 2026-12-07).
///
/// `HYPENCODER_VECTOR_KERNELS=baseline` forces the 4-lane loops (to compare, or on a CPU
/// whose AVX2 is slower than it claims); `path` says which ones run.
public enum VectorKernels {
    /// GELU in place over `count` values.
    static func gelu(_ values: UnsafeMutablePointer<Float>, count: Int) { hc_gelu(values, count) }

    /// Softmax in place over one row of `count` values (`Softmax`).
    static func softmax(_ values: UnsafeMutablePointer<Float>, count: Int) { hc_softmax(values, count) }

    /// "AVX2" or "SSE2 (baseline)": which loops this process runs.
    public static var path: String { hc_vector_kernels_avx2() != 0 ? "AVX2" : "SSE2 (baseline)" }

    /// The environment variable that forces the baseline, and the one value it takes.
    public static let environmentVariable = "HYPENCODER_VECTOR_KERNELS"

    /// Why `environment`'s `HYPENCODER_VECTOR_KERNELS` is ignored, or nil when it is unset or
    /// "baseline". Any other value leaves the choice to the CPU (the C side cannot fail), so
    /// the daemon logs this rather than let a typo pass silently.
    public static func ignoredSetting(in environment: [String: String]) -> String? {
        EnvironmentSwitch.ignoredSetting(environmentVariable, in: environment, accepted: ["baseline"])
            .map { $0 + "; running \(path)" }
    }
}
