import NIOCore

/// Holds a channel's reads back while the other side of the proxy cannot take more data, and
/// replays the one read that was asked for meanwhile. Both proxy handlers use it.
struct ReadGate {
    private var paused = false
    private var pending = false

    mutating func read(_ context: ChannelHandlerContext) {
        if paused {
            pending = true
        } else {
            context.read()
        }
    }

    mutating func pause() {
        paused = true
    }

    mutating func resume(_ context: ChannelHandlerContext?) {
        guard paused else { return }
        paused = false
        if pending, let context {
            pending = false
            context.read()
        }
    }
}
