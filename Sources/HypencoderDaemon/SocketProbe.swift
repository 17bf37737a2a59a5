import Foundation
import HypencoderRPC

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
        let address: UnixSocketAddress
        let fd: Int32
        do {
            address = try UnixSocketAddress(path: path)
            fd = try UnixSocketAddress.makeSocket(.stream)
        } catch {
            return .failed((error as? UnixSocketError)?.reason ?? "\(error)")
        }
        defer { close(fd) }
        let status = address.connect(fd)
        if status == 0 { return .accepted }
        switch errno {
        case ECONNREFUSED, ENOENT: return .refused
        default: return .failed(String(cString: strerror(errno)))
        }
    }
}
