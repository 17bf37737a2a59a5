import CUV
import Foundation
import HypencoderRPC

/// What a connection asks of the server. Called on the loop thread.
protocol ConnectionDelegate: AnyObject {
    /// One complete message body arrived.
    func connection(_ connection: Connection, didReceive body: [UInt8])
    /// The connection is gone (closed by either side); cancel its work.
    func connectionDidClose(_ connection: Connection)
    /// The limits in force now (they change on SIGHUP).
    var currentLimits: ServerLimits { get }
}

/// One client: its socket, its framing, its unsent replies and its requests in flight.
///
/// Reading: bytes go into a `MessageFramer` (the framing is detected from the first byte)
/// and each complete body goes to the delegate. A framing error gets one error reply with
/// id null, then the connection closes once that reply is out.
///
/// Backpressure: replies a client has not read yet are counted (`unsentBytes`). Past
/// `maxUnsentReplyBytes` we stop reading from it (`uv_read_stop`) and stop taking
/// messages out of its framer, so a client that sends but never reads cannot make the
/// daemon buffer without bound; reading resumes when half of it has drained.
///
/// End of stream: a client may half-close (`shutdown(SHUT_WR)`, what `socat` does when its
/// input ends) and still wait for replies, so EOF alone only stops reading, and the
/// connection closes when its work is done and replies are out. If the peer has closed
/// completely (poll reports POLLHUP), nobody can read the replies: the work is cancelled
/// and the connection closed at once, which also cleans up a client that sent half a
/// message and vanished.
///
/// Loop thread only: workers never see a `Connection` except inside closures they `post`
/// back to the loop.
final class Connection {
    let number: Int
    let peer: hc_peer_credentials
    private let handle: UnsafeMutablePointer<uv_pipe_t>
    private let eventLoop: EventLoop
    private weak var delegate: ConnectionDelegate?
    private var framer: MessageFramer

    private(set) var unsentBytes = 0
    private(set) var isPausedByBackpressure = false
    private(set) var isClosed = false
    private var sawEndOfStream = false
    private var closeWhenIdle = false
    /// False once the connection is being wound down on purpose (framing error, refusal,
    /// server drain): buffered messages are then left unread.
    private var acceptsMessages = true

    /// Requests from this connection that are queued or running (see `Dispatcher`).
    var pendingRequests: [PendingRequest] = []
    /// LSP lifecycle on this connection: `initialize` is optional but must come first.
    var hasReceivedRequest = false
    var isInitialized = false
    /// When set, every message is answered with this error and the connection closed
    /// (used when the connection limit is reached: the client learns why, in its framing).
    var refusal: RPCError?

    private static let readBufferSize = 64 << 10
    /// All reads land here: they happen on the loop thread and are consumed before the
    /// next read, so one buffer serves every connection.
    private static let readBuffer = UnsafeMutableRawPointer.allocate(byteCount: readBufferSize, alignment: 16)

    init(
        number: Int, handle: UnsafeMutablePointer<uv_pipe_t>, peer: hc_peer_credentials,
        eventLoop: EventLoop, delegate: ConnectionDelegate
    ) {
        self.number = number
        self.handle = handle
        self.peer = peer
        self.eventLoop = eventLoop
        self.delegate = delegate
        self.framer = MessageFramer(limits: delegate.currentLimits.framingLimits)
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    func startReading() {
        eventLoop.assertOnLoopThread()
        guard !isClosed, !sawEndOfStream else { return }
        let status = uv_read_start(
            UV.asStream(handle),
            { _, _, buffer in
                buffer?.pointee = uv_buf_init(
                    Connection.readBuffer.assumingMemoryBound(to: CChar.self),
                    UInt32(Connection.readBufferSize))
            },
            { stream, count, _ in
                guard let data = stream?.pointee.data else { return }
                Unmanaged<Connection>.fromOpaque(data).takeUnretainedValue().didRead(count)
            })
        if status != 0 {
            log.warn("connection \(number): cannot read: \(UV.errorText(status))")
            close()
        }
    }

    private func didRead(_ count: Int) {
        if count > 0 {
            framer.append(UnsafeRawBufferPointer(start: Connection.readBuffer, count: count))
            processBufferedMessages()
        } else if count < 0 {
            uv_read_stop(UV.asStream(handle))
            sawEndOfStream = true
            if count != Int(UV_EOF.rawValue) {
                log.debug("connection \(number): read error \(UV.errorText(Int32(count)))")
                close()
            } else if peerHasClosed() {
                if framer.bufferedByteCount > 0 {
                    log.debug("connection \(number): peer left with \(framer.bufferedByteCount) bytes of an unfinished message")
                }
                close()
            } else {
                closeWhenIdle = true
                closeIfIdle()
            }
        }
    }

    /// Hands complete messages to the delegate until the framer runs dry, the client is
    /// paused by backpressure, or the connection stops taking messages.
    private func processBufferedMessages() {
        while !isClosed && !isPausedByBackpressure && acceptsMessages {
            let body: [UInt8]?
            do {
                body = try framer.nextMessage()
            } catch let error as FramingError {
                // The detail can quote the client's bytes, so it is debug-only (privacy rule).
                log.info("connection \(number): framing error; sending one error reply and closing")
                log.debug("connection \(number): framing error: \(error.message)")
                send(RPCResponse(id: .null, error: RPCError(framing: error).namingLimit()).json.serialized())
                finishAndClose()
                return
            } catch {
                close()
                return
            }
            guard let body else { return }
            delegate?.connection(self, didReceive: body)
        }
    }

    /// Frames `body` in this connection's framing and queues it for writing.
    func send(_ body: [UInt8]) {
        eventLoop.assertOnLoopThread()
        guard !isClosed else { return }
        let request = WriteRequest(connection: self, bytes: framer.frame(body))
        unsentBytes += request.count
        let status = request.submit(to: UV.asStream(handle))
        if status != 0 {
            unsentBytes -= request.count  // libuv refused it: no callback will come
            log.debug("connection \(number): write failed: \(UV.errorText(status))")
            close()
            return
        }
        let limit = delegate?.currentLimits.maxUnsentReplyBytes ?? Int.max
        if unsentBytes > limit && !isPausedByBackpressure {
            isPausedByBackpressure = true
            uv_read_stop(UV.asStream(handle))
            log.debug("connection \(number): \(unsentBytes) unsent reply bytes; pausing reads")
        }
    }

    /// A notification (`$/progress`) to this client.
    func sendNotification(method: String, params: JSONValue) {
        send(RPCRequest(id: nil, method: method, params: params).json.serialized())
    }

    fileprivate func didWrite(_ count: Int, status: Int32) {
        unsentBytes -= count
        if isClosed { return }
        if status != 0 {
            log.debug("connection \(number): write failed: \(UV.errorText(status))")
            close()
            return
        }
        let limit = delegate?.currentLimits.maxUnsentReplyBytes ?? Int.max
        if isPausedByBackpressure && unsentBytes <= limit / 2 {
            isPausedByBackpressure = false
            log.debug("connection \(number): replies drained; resuming reads")
            processBufferedMessages()
            if !isPausedByBackpressure && !sawEndOfStream && !isClosed && !closeWhenIdle { startReading() }
        }
        closeIfIdle()
    }

    /// Stops reading and closes once pending requests are answered and replies written.
    func finishAndClose() {
        guard !isClosed else { return }
        closeWhenIdle = true
        acceptsMessages = false
        uv_read_stop(UV.asStream(handle))
        closeIfIdle()
    }

    /// Called by the dispatcher when one of this connection's requests is finished.
    func closeIfIdle() {
        guard closeWhenIdle, !isClosed, pendingRequests.isEmpty, unsentBytes == 0 else { return }
        close()
    }

    /// Closes now; unsent replies are dropped and pending work is cancelled.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        UV.close(handle)  // releases our retained self in the close callback
        delegate?.connectionDidClose(self)
    }

    /// True if the peer closed both directions (POLLHUP), as opposed to a half-close.
    private func peerHasClosed() -> Bool {
        var fd: uv_os_fd_t = -1
        guard uv_fileno(UV.asHandle(handle), &fd) == 0 else { return true }
        var probe = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&probe, 1, 0) >= 0 else { return true }
        return probe.revents & Int16(POLLHUP | POLLERR) != 0
    }
}

/// One `uv_write` in flight: libuv needs the bytes to stay put until its callback, so the
/// request owns a copy and keeps the connection alive until then.
private final class WriteRequest {
    let connection: Connection
    let count: Int
    private let request = UnsafeMutablePointer<uv_write_t>.allocate(capacity: 1)
    private let storage: UnsafeMutableRawPointer

    init(connection: Connection, bytes: [UInt8]) {
        self.connection = connection
        count = bytes.count
        storage = .allocate(byteCount: max(1, bytes.count), alignment: 1)
        bytes.withUnsafeBytes { storage.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
    }

    deinit {
        request.deallocate()
        storage.deallocate()
    }

    func submit(to stream: UnsafeMutablePointer<uv_stream_t>) -> Int32 {
        request.pointee.data = Unmanaged.passRetained(self).toOpaque()
        var buffer = uv_buf_init(storage.assumingMemoryBound(to: CChar.self), UInt32(count))
        let status = uv_write(request, stream, &buffer, 1) { request, status in
            guard let data = request?.pointee.data else { return }
            let write = Unmanaged<WriteRequest>.fromOpaque(data).takeRetainedValue()
            write.connection.didWrite(write.count, status: status)
        }
        if status != 0, let data = request.pointee.data {
            Unmanaged<WriteRequest>.fromOpaque(data).release()  // no callback will come
        }
        return status
    }
}
