import NIOCore
import NIOHTTP1

/// Receives one upstream response, part by part, on the client connection's event loop.
protocol UpstreamResponseReceiver: AnyObject {
    func upstreamResponseHead(_ head: HTTPResponseHead)
    func upstreamResponseBody(_ buffer: ByteBuffer)
    func upstreamResponseEnd(reusable: Bool)
    func upstreamFailed(_ error: any Error)
    func upstreamWritabilityChanged(isWritable: Bool)
    /// The end of a batch of reads: the moment to flush what was relayed.
    func upstreamReadComplete()
}

struct UpstreamClosedError: Error {}

/// The last handler of a pooled upstream connection: hands response parts to the current receiver,
/// and holds reads back while the client cannot take more (backpressure).
final class UpstreamHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    weak var receiver: (any UpstreamResponseReceiver)?
    /// Called when the connection closes, so the pool forgets it.
    var onClose: (() -> Void)?
    private(set) var isActive = true
    private var keepAlive = true
    private var readGate = ReadGate()
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if head.status.code >= 200 || head.status.code == 101 { keepAlive = head.isKeepAlive }
            receiver?.upstreamResponseHead(head)
        case .body(let buffer):
            receiver?.upstreamResponseBody(buffer)
        case .end:
            let receiver = self.receiver
            self.receiver = nil
            receiver?.upstreamResponseEnd(reusable: keepAlive && isActive)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        receiver?.upstreamReadComplete()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        isActive = false
        let receiver = self.receiver
        self.receiver = nil
        receiver?.upstreamFailed(UpstreamClosedError())
        onClose?()
        onClose = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let receiver = self.receiver
        self.receiver = nil
        receiver?.upstreamFailed(error)
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        receiver?.upstreamWritabilityChanged(isWritable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        readGate.read(context)
    }

    func pauseReads() {
        readGate.pause()
    }

    func resumeReads() {
        readGate.resume(context)
    }

    func write(_ part: HTTPClientRequestPart, flush: Bool = false) {
        guard let context else { return }
        context.write(wrapOutboundOut(part), promise: nil)
        if flush { context.flush() }
    }

    func flush() {
        context?.flush()
    }

    var isWritable: Bool { context?.channel.isWritable ?? false }

    func close() {
        isActive = false
        context?.close(promise: nil)
    }
}
