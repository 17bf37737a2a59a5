import CUV
import Foundation

/// The listening Unix stream socket.
///
/// Three ways to get one:
/// - socket activation: systemd passes it as fd 3 with `LISTEN_FDS`/`LISTEN_PID` (the path
///   then belongs to the `.socket` unit, so we never remove it);
/// - binding a path we own, which we remove on exit.
///
/// Binding rules, each for a failure seen in practice:
/// - paths of 108 bytes or more are refused, because `uv_pipe_bind` (libuv 1.44) silently
///   truncates them and the daemon would listen somewhere nobody looks;
/// - a socket file left by a crash is *stale*: connecting to it fails, so it is removed and
///   bound again; a socket that accepts a connection belongs to a live daemon and is never
///   stolen (we refuse to start, saying so);
/// - the file is created under umask 0177, so it is never wider than 0600 even for an
///   instant, then chmod'ed to the configured mode.
final class Listener {
    /// The path we bound and must remove, or nil under socket activation.
    let ownedPath: String?
    let description: String
    private let handle: UnsafeMutablePointer<uv_pipe_t>
    /// Called on the loop thread for each accepted client.
    private let onConnection: (UnsafeMutablePointer<uv_pipe_t>) -> Void
    private let eventLoop: EventLoop

    /// Unix socket paths must fit `sockaddr_un.sun_path` (108 bytes) with a NUL.
    static let maxPathBytes = 107

    private init(
        eventLoop: EventLoop, handle: UnsafeMutablePointer<uv_pipe_t>, ownedPath: String?,
        description: String, onConnection: @escaping (UnsafeMutablePointer<uv_pipe_t>) -> Void
    ) {
        self.eventLoop = eventLoop
        self.handle = handle
        self.ownedPath = ownedPath
        self.description = description
        self.onConnection = onConnection
    }

    /// The listener systemd handed us, if it did (LISTEN_PID is ours and LISTEN_FDS ≥ 1).
    static func activated(
        eventLoop: EventLoop,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        onConnection: @escaping (UnsafeMutablePointer<uv_pipe_t>) -> Void
    ) throws -> Listener? {
        guard let pidText = environment["LISTEN_PID"], let pid = Int32(pidText), pid == getpid(),
            let countText = environment["LISTEN_FDS"], let count = Int(countText), count >= 1
        else { return nil }
        // Children must not think the sockets are theirs.
        unsetenv("LISTEN_PID")
        unsetenv("LISTEN_FDS")
        unsetenv("LISTEN_FDNAMES")
        let listenFD: Int32 = 3  // SD_LISTEN_FDS_START
        if count > 1 { log.warn("systemd passed \(count) sockets; using fd 3 only") }
        let pipe = try openPipe(eventLoop, "socket-activated fd 3") { uv_pipe_open($0, listenFD) }
        let listener = Listener(
            eventLoop: eventLoop, handle: pipe, ownedPath: nil,
            description: "socket-activated fd 3", onConnection: onConnection)
        try listener.listen()
        return listener
    }

    /// Binds `path` (see the type's rules) and starts listening.
    static func bind(
        path: String, mode: UInt32, eventLoop: EventLoop,
        onConnection: @escaping (UnsafeMutablePointer<uv_pipe_t>) -> Void
    ) throws -> Listener {
        let length = path.utf8.count
        guard length > 0, length <= maxPathBytes else {
            throw DaemonError.startup(
                "socket path is \(length) bytes; Unix socket paths must be 1...\(maxPathBytes) bytes "
                    + "(libuv would silently truncate it): \(path)")
        }
        try removeStaleSocket(at: path)
        let oldMask = umask(0o177)
        defer { umask(oldMask) }
        let pipe = try openPipe(eventLoop, path) { uv_pipe_bind($0, path) }
        let listener = Listener(
            eventLoop: eventLoop, handle: pipe, ownedPath: path,
            description: path, onConnection: onConnection)
        guard chmod(path, mode_t(mode)) == 0 else {
            let reason = String(cString: strerror(errno))
            listener.close()
            throw DaemonError.startup("cannot set mode \(String(mode, radix: 8)) on \(path): \(reason)")
        }
        try listener.listen()
        return listener
    }

    /// Stops listening and removes the socket file if it is ours. Loop thread only.
    func close() {
        eventLoop.assertOnLoopThread()
        UV.close(handle)
        if let ownedPath { unlink(ownedPath) }
    }

    private func listen() throws {
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
        let status = uv_listen(UV.asStream(handle), 128) { server, status in
            guard let server, let data = server.pointee.data else { return }
            let listener = Unmanaged<Listener>.fromOpaque(data).takeUnretainedValue()
            listener.accept(status: status)
        }
        guard status == 0 else {
            close()
            throw DaemonError.startup("cannot listen on \(description): \(UV.errorText(status))")
        }
    }

    private func accept(status: Int32) {
        guard status == 0 else {
            log.warn("accept failed on \(description): \(UV.errorText(status))")
            return
        }
        let client = UnsafeMutablePointer<uv_pipe_t>.allocate(capacity: 1)
        uv_pipe_init(eventLoop.loop, client, 0)
        client.pointee.data = nil
        let accepted = uv_accept(UV.asStream(handle), UV.asStream(client))
        guard accepted == 0 else {
            log.warn("accept failed on \(description): \(UV.errorText(accepted))")
            UV.close(client)
            return
        }
        onConnection(client)
    }

    private static func openPipe(
        _ eventLoop: EventLoop, _ label: String,
        _ open: (UnsafeMutablePointer<uv_pipe_t>) -> Int32
    ) throws -> UnsafeMutablePointer<uv_pipe_t> {
        let pipe = UnsafeMutablePointer<uv_pipe_t>.allocate(capacity: 1)
        uv_pipe_init(eventLoop.loop, pipe, 0)
        pipe.pointee.data = nil
        let status = open(pipe)
        guard status == 0 else {
            UV.close(pipe)
            throw DaemonError.startup("cannot open the listening socket \(label): \(UV.errorText(status))")
        }
        return pipe
    }

    /// Removes a socket file no one listens on; refuses if someone does, or if the path is
    /// not a socket (we never delete a user's regular file).
    private static func removeStaleSocket(at path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }  // nothing there
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw DaemonError.startup("\(path) exists and is not a socket; refusing to replace it")
        }
        switch SocketProbe.connect(path: path) {
        case .accepted:
            throw DaemonError.startup(
                "another daemon is already listening on \(path); refusing to take over its socket")
        case .refused:
            log.warn("removing stale socket \(path) (nothing listens on it)")
            guard unlink(path) == 0 || errno == ENOENT else {
                throw DaemonError.startup("cannot remove stale socket \(path): \(String(cString: strerror(errno)))")
            }
        case .failed(let reason):
            throw DaemonError.startup("cannot check existing socket \(path): \(reason)")
        }
    }
}
