import NIOCore

/// Holds a channel's reads back while the other side of the proxy cannot take more data, or while
/// pipelined requests wait their turn, and replays the one read that was asked for meanwhile.
/// Both proxy handlers use it.
struct ReadGate {
    /// Backpressure: the peer of this channel cannot take more.
    private var paused = false
    /// Pipelined requests are queued; nothing more is read until they are served.
    private var held = false
    private var pending = false

    mutating func read(_ context: ChannelHandlerContext) {
        if paused || held {
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
        replay(context)
    }

    mutating func hold() {
        held = true
    }

    mutating func release(_ context: ChannelHandlerContext?) {
        guard held else { return }
        held = false
        replay(context)
    }

    private mutating func replay(_ context: ChannelHandlerContext?) {
        if !paused, !held, pending, let context {
            pending = false
            context.read()
        }
    }
}
