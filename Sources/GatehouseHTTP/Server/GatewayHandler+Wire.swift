import NIOCore
import NIOHTTP1

/// Response bytes out, and the answer to bytes that are not a request.
extension GatewayHandler {
    func sendHead(_ head: HTTPResponseHead, _ exchange: Exchange) {
        sendHead(head, toHEAD: exchange.head.method == .HEAD)
    }

    func sendHead(_ head: HTTPResponseHead, toHEAD: Bool) {
        sendHead(version: head.version, status: head.status, fields: FieldList(head.headers), toHEAD: toHEAD)
    }

    func sendHead(version: HTTPVersion, status: HTTPResponseStatus, fields: FieldList, toHEAD: Bool) {
        guard let context else { return }
        send(responseEncoder.encodeHead(version: version, status: status, fields: fields, toHEAD: toHEAD, allocator: context.channel.allocator), context)
    }

    func sendBody(_ body: ByteBuffer) {
        guard let context else { return }
        responseEncoder.encodeBody(body, allocator: context.channel.allocator) { send($0, context) }
    }

    /// The end of a response on a connection that stays open: its last bytes (the last chunk, if
    /// chunked), then everything goes out.
    func sendEnd() {
        guard let context else { return }
        send(responseEncoder.encodeEnd(allocator: context.channel.allocator), context)
        flushClient()
    }

    /// The end of a response after which the connection closes: everything goes out, then it closes.
    func sendEndAndClose() {
        guard let context else { return }
        let end = responseEncoder.encodeEnd(allocator: context.channel.allocator)
        writeHeld()
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(end))).assumeIsolated().whenComplete { [context] _ in
            context.close(promise: nil)
        }
    }

    /// Response bytes join what `clientWrites` holds, or go now when they would not fit.
    private func send(_ bytes: ByteBuffer, _ context: ChannelHandlerContext) {
        clientWrites.add(bytes) { context.write(wrapOutboundOut(.byteBuffer($0)), promise: nil) }
    }

    /// Writes what `clientWrites` holds, without flushing.
    private func writeHeld() {
        guard let context, let held = clientWrites.take() else { return }
        context.write(wrapOutboundOut(.byteBuffer(held)), promise: nil)
    }

    /// Sends everything written so far to the client.
    func flushClient() {
        writeHeld()
        context?.flush()
    }

    /// The client's bytes stopped being HTTP/1 (or framing could be read two ways): the request
    /// they belong to gets the error, if its response has not begun, and the connection ends.
    func refuseUnreadable(_ malformed: ClientRequestParser.Malformed) {
        shared.services.logger.debug("unreadable request", metadata: ["client": "\(peerText)", "reason": "\(malformed.explanation)"])
        if let exchange {
            refuseRequest(exchange, malformed.status, title: malformed.status.reasonPhrase, malformed.explanation)
            return
        }
        guard let context else { return }
        closing = true
        shared.responses[Int(malformed.status.code) / 100 - 1].increment()
        let body = context.channel.allocator.buffer(string: GatewayPages.error(malformed.status.reasonPhrase, malformed.explanation))
        var headers = HTTPHeaders([
            ("content-type", "text/html; charset=utf-8"), ("content-length", String(body.readableBytes)), ("connection", "close"),
        ])
        GatewayHeaders.addSecurityHeaders(&headers)
        sendHead(HTTPResponseHead(version: .http1_1, status: malformed.status, headers: headers), toHEAD: false)
        sendBody(body)
        sendEndAndClose()
    }
}
