/// The model's environment switches (`HYPENCODER_VECTOR_KERNELS`, `HYPENCODER_BF16_KERNEL`,
/// `HYPENCODER_FEW_ROWS_GEMM`): each takes one or two words, and anything else leaves the
/// choice to the CPU. The C side cannot fail on a typo, so the daemon logs this message.
enum EnvironmentSwitch {
    /// Why `environment`'s `name` is ignored, or nil when it is unset or one of `accepted`.
    static func ignoredSetting(_ name: String, in environment: [String: String], accepted: [String]) -> String? {
        guard let value = environment[name], !accepted.contains(value) else { return nil }
        let takes =
            accepted.count == 1
            ? "the only value it takes is \"\(accepted[0])\""
            : "it takes " + accepted.map { "\"\($0)\"" }.joined(separator: " or ")
        return "\(name)=\"\(value)\" is ignored: \(takes)"
    }
}
