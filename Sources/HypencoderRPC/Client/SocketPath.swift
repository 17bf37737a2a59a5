#if canImport(Glibc)
    import Glibc
#endif

/// Where the daemon listens when nobody says otherwise, decided here once so that
/// `hypencoderd`, `hypencoder`, the tests and the benchmarks find each other with no flags
/// (`Clients/shell/hypencoder-rpc` keeps a copy in bash, which cannot link this). The order
/// is documented in DESIGN.md §4.1, README "Configuration and limits" and Docs/clients.md.
public enum SocketPath {
    /// The daemon's default, used when `--socket` is not given:
    ///
    /// 1. `$XDG_RUNTIME_DIR/hypencoder.sock` (a desktop session, or a systemd user unit's
    ///    `RuntimeDirectory=`, `%t`);
    /// 2. `/run/hypencoder/hypencoder.sock` for root (the system unit's `RuntimeDirectory=`);
    /// 3. `/tmp/hypencoder-$UID.sock`.
    public static func `default`(environment: [String: String]) -> String {
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            return runtime.hasSuffix("/") ? runtime + "hypencoder.sock" : runtime + "/hypencoder.sock"
        }
        if getuid() == 0 { return "/run/hypencoder/hypencoder.sock" }
        return "/tmp/hypencoder-\(getuid()).sock"
    }

    /// Where a client connects: its `--socket` flag, else `$HYPENCODER_SOCKET`, else the
    /// daemon's `default`. The variable is the clients' alone (the daemon takes only
    /// `--socket`), so one export points every client at a daemon started elsewhere.
    public static func resolve(flag: String?, environment: [String: String]) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let chosen = environment["HYPENCODER_SOCKET"], !chosen.isEmpty { return chosen }
        return `default`(environment: environment)
    }
}
