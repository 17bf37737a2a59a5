#if canImport(Glibc)
    import Glibc
#endif

/// A Unix domain socket address (`sockaddr_un`), built in one place for everyone who names
/// a socket by path: the blocking `RPCClient`, the daemon's stale-socket probe and systemd
/// notifier, the tests (which bind notify and listening sockets of their own) and the
/// benchmarks.
///
/// Why one type: `sun_path` holds 108 bytes including the terminating NUL, and every copy of
/// this code had to remember that a longer path must be refused, not silently cut (a cut
/// path names another file, so a client would connect, or a test bind, somewhere nobody
/// looks). Here the check happens once, when the address is made.
public struct UnixSocketAddress: Sendable {
    /// The longest filesystem path `sun_path` holds with its NUL: 107 bytes.
    public static let maxPathBytes = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// Stream (the daemon's JSON-RPC socket) or datagram (systemd's `NOTIFY_SOCKET`).
    public enum Kind: Sendable {
        case stream
        case datagram

        var rawValue: Int32 {
            switch self {
            case .stream: return Int32(SOCK_STREAM.rawValue)
            case .datagram: return Int32(SOCK_DGRAM.rawValue)
            }
        }
    }

    /// The path as given, or `@name` for an abstract address; for messages.
    public let name: String
    private var storage = sockaddr_un()
    private let length: socklen_t

    /// A filesystem path of 1 to `maxPathBytes` bytes without NUL; anything else throws
    /// `UnixSocketError.invalidPath` rather than naming a different file.
    public init(path: String) throws {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty else { throw UnixSocketError.invalidPath(path, "empty") }
        guard !bytes.contains(0) else { throw UnixSocketError.invalidPath(path, "contains a NUL byte") }
        guard bytes.count <= Self.maxPathBytes else {
            throw UnixSocketError.invalidPath(
                path, "\(bytes.count) bytes; Unix socket paths must be under \(Self.maxPathBytes + 1)")
        }
        name = path
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { $0.copyBytes(from: bytes) }
        // The whole structure, NUL-padded: what the kernel expects for a path.
        length = socklen_t(MemoryLayout<sockaddr_un>.size)
    }

    /// An address in Linux's abstract namespace (a leading NUL, no file), as systemd may
    /// give in `NOTIFY_SOCKET` (written there as `@name`). Its length counts only the name's
    /// bytes: abstract names are not NUL-terminated, and trailing NULs would be part of it.
    public init(abstractName: String) throws {
        let bytes = [UInt8(0)] + Array(abstractName.utf8)
        guard bytes.count <= Self.maxPathBytes + 1 else {
            throw UnixSocketError.invalidPath(
                "@" + abstractName, "\(bytes.count - 1) bytes; abstract names must be under \(Self.maxPathBytes + 1)")
        }
        name = "@" + abstractName
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { $0.copyBytes(from: bytes) }
        length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
    }

    /// Calls `body` with the address as the socket calls take it.
    public func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        try withUnsafePointer(to: storage) {
            try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, length) }
        }
    }

    /// `bind(2)` on `fd`: 0, or -1 with `errno` set.
    public func bind(_ fd: Int32) -> Int32 {
        withSockaddr { Glibc.bind(fd, $0, $1) }
    }

    /// `connect(2)` on `fd`: 0, or -1 with `errno` set.
    public func connect(_ fd: Int32) -> Int32 {
        withSockaddr { Glibc.connect(fd, $0, $1) }
    }

    /// `sendto(2)` of one datagram to this address: the bytes sent, or -1 with `errno` set.
    public func send(_ bytes: [UInt8], from fd: Int32, flags: Int32 = Int32(MSG_NOSIGNAL)) -> Int {
        bytes.withUnsafeBytes { buffer in
            withSockaddr { sendto(fd, buffer.baseAddress, buffer.count, flags, $0, $1) }
        }
    }

    /// A new, unconnected socket of `kind`, close-on-exec (so a daemon or tool that a test
    /// or client starts never inherits it), plus `flags` such as `SOCK_NONBLOCK`.
    public static func makeSocket(_ kind: Kind, flags: Int32 = 0) throws -> Int32 {
        let fd = socket(AF_UNIX, kind.rawValue | Int32(SOCK_CLOEXEC.rawValue) | flags, 0)
        guard fd >= 0 else { throw UnixSocketError.system("socket", "", errno) }
        return fd
    }

    /// A socket of `kind` connected to this address; closed again if the connect fails.
    public func connectedSocket(_ kind: Kind = .stream, flags: Int32 = 0) throws -> Int32 {
        try Self.makeSocket(kind, flags: flags, then: "connect", at: name, connect)
    }

    /// A socket of `kind` bound to this address (a datagram socket to receive on, or a
    /// stream socket to `listen` on); closed again if the bind fails.
    public func boundSocket(_ kind: Kind, flags: Int32 = 0) throws -> Int32 {
        try Self.makeSocket(kind, flags: flags, then: "bind", at: name, bind)
    }

    /// A new socket on which `step` (bind or connect) succeeded, or none: a failed step
    /// closes it, so no caller leaks a descriptor on the error path.
    private static func makeSocket(
        _ kind: Kind, flags: Int32, then call: String, at name: String, _ step: (Int32) -> Int32
    ) throws -> Int32 {
        let fd = try makeSocket(kind, flags: flags)
        guard step(fd) == 0 else {
            let code = errno
            close(fd)
            throw UnixSocketError.system(call, name, code)
        }
        return fd
    }
}

/// Why a Unix socket address could not be made or used.
public enum UnixSocketError: Error, Equatable, CustomStringConvertible {
    /// The path (or `@` abstract name) cannot be a socket address; the reason says why
    /// ("120 bytes; Unix socket paths must be under 108").
    case invalidPath(String, String)
    /// A system call (`socket`, `connect`, `bind`) failed on the address with this `errno`.
    case system(String, String, Int32)

    /// The `errno` of a failed system call, to tell "nobody listens" from other failures.
    public var code: Int32? {
        if case .system(_, _, let code) = self { return code }
        return nil
    }

    /// The system's text for the failure ("Connection refused"), or the path problem.
    public var reason: String {
        switch self {
        case .invalidPath(_, let reason): return reason
        case .system(_, _, let code): return String(cString: strerror(code))
        }
    }

    public var description: String {
        switch self {
        case .invalidPath(let path, let reason): return "socket path \(path): \(reason)"
        case .system(let call, let path, let code):
            return path.isEmpty
                ? "\(call) failed: \(String(cString: strerror(code)))"
                : "\(call) \(path): \(String(cString: strerror(code)))"
        }
    }
}
