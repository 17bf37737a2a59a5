import CUV

/// A libuv timer that runs a Swift closure on the loop thread (watchdog pings, the drain
/// deadline). Create, start and close it on the loop thread only.
final class LoopTimer {
    private let handle: UnsafeMutablePointer<uv_timer_t>
    private let action: () -> Void

    init(_ eventLoop: EventLoop, action: @escaping () -> Void) {
        eventLoop.assertOnLoopThread()
        self.action = action
        handle = .allocate(capacity: 1)
        uv_timer_init(eventLoop.loop, handle)
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    /// Fires after `milliseconds`, then every `repeatMilliseconds` if that is not zero.
    func start(after milliseconds: UInt64, repeatEvery repeatMilliseconds: UInt64 = 0) {
        uv_timer_start(
            handle,
            { handle in
                guard let data = handle?.pointee.data else { return }
                Unmanaged<LoopTimer>.fromOpaque(data).takeUnretainedValue().action()
            }, milliseconds, repeatMilliseconds)
    }

    /// Stops and frees the timer (the closure is released in the close callback).
    func close() { UV.close(handle) }
}
