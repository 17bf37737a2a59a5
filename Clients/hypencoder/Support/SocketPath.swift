#if canImport(Glibc)
    import Glibc
#endif

/// Where the daemon listens, decided the same way `hypencoderd` decides it, so that both
/// find each other with no flags. Written out here rather than shared because the client
/// must not link the daemon module (it would pull in libuv, the index and OpenBLAS):
///
/// 1. `--socket PATH`, else `$HYPENCODER_SOCKET`;
/// 2. `$XDG_RUNTIME_DIR/hypencoder.sock` (a desktop session, or a systemd user unit's `%t`);
/// 3. `/run/hypencoder/hypencoder.sock` for root (the system unit's socket);
/// 4. `/tmp/hypencoder-$UID.sock`.
enum SocketPath {
    static func resolve(flag: String?, environment: [String: String]) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let chosen = environment["HYPENCODER_SOCKET"], !chosen.isEmpty { return chosen }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            return runtime.hasSuffix("/") ? runtime + "hypencoder.sock" : runtime + "/hypencoder.sock"
        }
        if getuid() == 0 { return "/run/hypencoder/hypencoder.sock" }
        return "/tmp/hypencoder-\(getuid()).sock"
    }
}
