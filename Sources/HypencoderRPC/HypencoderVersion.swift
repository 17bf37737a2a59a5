/// The product version, shared by the daemon (`initialize`, `server/status`, `hypencoderd
/// --version`) and the clients (`hypencoder --version`). It lives here because this is the
/// one module both sides link (the client links nothing else), so a release bumps one line
/// and the two can never report different versions of the same build.
public enum HypencoderVersion {
    public static let string = "0.1.0"
}
