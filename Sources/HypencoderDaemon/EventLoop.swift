import CUV
import Foundation

/// The libuv loop and the one rule around it.
///
/// Threading contract: the thread that creates the `EventLoop` (the process's main thread)
/// is the loop thread. Only it calls into libuv, touches sockets, connections and JSON
/// framing, with a single exception: `uv_async_send`, which `post` uses from any thread
/// (Debian's libuv 1.44 is not thread-safe elsewhere; DESIGN.md §4–5). Everything that is
/// loop-only calls `assertOnLoopThread()`, which checks thread identity at run time, so a
/// violation stops the daemon at the line that broke the rule instead of corrupting libuv.
///
/// Other threads hand work to the loop with `post { ... }`: the closure goes into a locked
/// queue and one `uv_async_send` wakes the loop, which runs the queue in order (FIFO, so a
/// `$/progress` posted before a reply is also sent before it).
final class EventLoop: @unchecked Sendable {
    let loop: UnsafeMutablePointer<uv_loop_t>
    private let loopThread: pthread_t
    private let wake: UnsafeMutablePointer<uv_async_t>
    private let lock = NSLock()
    private var mailbox: [() -> Void] = []
    /// Set (under `lock`) when the wake handle is closed; later posts are dropped, since a
    /// worker may finish after the daemon has stopped serving.
    private var isClosed = false

    init() throws {
        loopThread = pthread_self()
        loop = .allocate(capacity: 1)
        let status = uv_loop_init(loop)
        guard status == 0 else {
            loop.deallocate()
            throw DaemonError.startup("cannot create the event loop: \(UV.errorText(status))")
        }
        wake = .allocate(capacity: 1)
        uv_async_init(loop, wake) { handle in
            guard let data = handle?.pointee.data else { return }
            Unmanaged<EventLoop>.fromOpaque(data).takeUnretainedValue().runMailbox()
        }
        // Unretained: the loop outlives its own wake handle (closed in `closeAllHandles`).
        wake.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    var isOnLoopThread: Bool { pthread_equal(pthread_self(), loopThread) != 0 }

    /// Stops the process if called off the loop thread (a programming error, never input).
    func assertOnLoopThread(_ function: StaticString = #function) {
        precondition(isOnLoopThread, "\(function) must run on the libuv loop thread")
    }

    /// Runs `work` on the loop thread soon. Callable from any thread.
    func post(_ work: @escaping () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed else { return }
        mailbox.append(work)
        // Under the lock, so the handle cannot be closed between the check and the send.
        uv_async_send(wake)
    }

    /// Runs the loop until every handle is closed.
    func run() {
        assertOnLoopThread()
        uv_run(loop, UV_RUN_DEFAULT)
    }

    /// Closes every handle still open (the last step of shutdown), so `run` returns.
    func closeAllHandles() {
        assertOnLoopThread()
        runMailbox()
        lock.lock()
        isClosed = true
        mailbox.removeAll()
        lock.unlock()
        wake.pointee.data = nil
        uv_walk(
            loop,
            { handle, _ in
                guard let handle, uv_is_closing(handle) == 0 else { return }
                UV.close(handle)
            }, nil)
    }

    /// Releases libuv's loop memory after `run` returned.
    func destroy() {
        uv_loop_close(loop)
        loop.deallocate()
    }

    private func runMailbox() {
        assertOnLoopThread()
        while true {
            lock.lock()
            let batch = mailbox
            mailbox.removeAll(keepingCapacity: true)
            lock.unlock()
            if batch.isEmpty { return }
            for work in batch { work() }
        }
    }
}

/// Helpers for libuv handles, shared by every file that owns one.
///
/// Ownership convention: a handle is allocated with `UnsafeMutablePointer<T>.allocate`;
/// its `data` is either nil or an `Unmanaged` *retained* reference to the Swift object that
/// owns it (how C callbacks find their context, since a capturing closure cannot be a C
/// function pointer). `UV.close` releases that reference and frees the memory once libuv
/// is done with the handle.
enum UV {
    static func errorText(_ status: Int32) -> String {
        "\(String(cString: uv_err_name(status))): \(String(cString: uv_strerror(status)))"
    }

    static func asHandle<T>(_ pointer: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<uv_handle_t> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: uv_handle_t.self)
    }

    static func asStream<T>(_ pointer: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<uv_stream_t> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: uv_stream_t.self)
    }

    /// Closes a handle; in its close callback, releases `data` and frees the memory.
    static func close<T>(_ pointer: UnsafeMutablePointer<T>) {
        let handle = asHandle(pointer)
        guard uv_is_closing(handle) == 0 else { return }
        uv_close(handle) { handle in
            guard let handle else { return }
            if let data = handle.pointee.data {
                Unmanaged<AnyObject>.fromOpaque(data).release()
            }
            UnsafeMutableRawPointer(handle).deallocate()
        }
    }
}

/// Failures that stop the daemon from starting, with the message an operator needs.
public enum DaemonError: Error, CustomStringConvertible {
    case startup(String)

    public var description: String {
        switch self {
        case .startup(let message): return message
        }
    }
}
