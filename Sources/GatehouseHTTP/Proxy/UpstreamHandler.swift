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

/// The last handler of a pooled upstream connection, over the socket (or TLS) bytes: encodes
/// requests and parses responses itself, hands response parts to the current receiver, and holds
/// reads back while the client cannot take more (backpressure).
final class UpstreamHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    weak var receiver: (any UpstreamResponseReceiver)?
    /// Called when the connection closes, so the pool forgets it.
    var onClose: (() -> Void)?
    private(set) var isActive = true
    private var readGate = ReadGate()
    private var context: ChannelHandlerContext?
    private var parser = UpstreamResponseParser()
    private var encoder = UpstreamRequestEncoder()
    private var unparsed = HeldBytes()
    /// Request bytes not yet passed on: a head and a small body go as one write.
    private var writes = CoalescedWrites()

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unparsed.joined(unwrapInboundIn(data))
        do {
            // A receiver may close the connection while handling an event: then the rest is dropped.
            while isActive, let event = try parser.next(&buffer) {
                deliver(event, unparsedBytes: buffer.readableBytes)
            }
        } catch {
            errorCaught(context: context, error: error)
            return
        }
        if isActive { unparsed.hold(buffer) }
    }

    private func deliver(_ event: UpstreamResponseParser.Event, unparsedBytes: Int) {
        switch event {
        case .head(let head):
            receiver?.upstreamResponseHead(head)
        case .body(let buffer):
            receiver?.upstreamResponseBody(buffer)
        case .end(let keepAlive):
            let receiver = self.receiver
            self.receiver = nil
            // Bytes after a complete response were not asked for: the connection is not reused.
            receiver?.upstreamResponseEnd(reusable: keepAlive && isActive && unparsedBytes == 0)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        receiver?.upstreamReadComplete()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        isActive = false
        // A body read until close ends here.
        if let end = try? parser.inputClosed() { deliver(end, unparsedBytes: 0) }
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

    /// A request head as the gateway built it (see `HeaderRewriting.upstreamRequest`).
    func writeHead(method: HTTPMethod, uri: String, fields: FieldList) {
        guard let context else { return }
        parser.expectResponse(toHEAD: method == .HEAD)
        send(encoder.encode(method: method, uri: uri, fields: fields, allocator: context.channel.allocator), context)
    }

    func write(_ part: HTTPClientRequestPart, flush: Bool = false) {
        guard let context else { return }
        let allocator = context.channel.allocator
        switch part {
        case .head(let head):
            writeHead(method: head.method, uri: head.uri, fields: FieldList(head.headers))
        case .body(.byteBuffer(let body)):
            encoder.encodeBody(body, allocator: allocator) { send($0, context) }
        case .body(.fileRegion):
            preconditionFailure("the gateway relays request bodies as buffers")
        case .end:
            if let last = encoder.encodeEnd(allocator: allocator) { send(last, context) }
        }
        if flush { self.flush() }
    }

    private func send(_ bytes: ByteBuffer, _ context: ChannelHandlerContext) {
        writes.add(bytes) { context.write(wrapOutboundOut(.byteBuffer($0)), promise: nil) }
    }

    /// Sends everything written so far.
    func flush() {
        guard let context else { return }
        if let held = writes.take() { context.write(wrapOutboundOut(.byteBuffer(held)), promise: nil) }
        context.flush()
    }

    var isWritable: Bool { context?.channel.isWritable ?? false }

    func close() {
        isActive = false
        context?.close(promise: nil)
    }
}
