import Foundation

/// Tells a live Unix socket from a stale one by trying to connect, as a client would.
/// Used once at start-up, before the loop runs, so a blocking connect is fine.
enum SocketProbe {
    enum Result: Equatable {
        /// Something accepted the connection: a live daemon.
        case accepted
        /// Nobody listens (ECONNREFUSED) or the file vanished: stale.
        case refused
        case failed(String)
    }

    static func connect(path: String) -> Result {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed(String(cString: strerror(errno))) }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return .failed("path too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if status == 0 { return .accepted }
        switch errno {
        case ECONNREFUSED, ENOENT: return .refused
        default: return .failed(String(cString: strerror(errno)))
        }
    }
}
