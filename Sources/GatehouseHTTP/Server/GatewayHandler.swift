import Foundation
import GatehouseCore
import Logging
import NIOCore
import NIOHTTP1

/// Serves one client connection: resolves each request's tenant, makes the access decision, then
/// either answers itself or streams the exchange to and from the tenant's upstream with
/// backpressure in both directions.
final class GatewayHandler: ChannelDuplexHandler, UpstreamResponseReceiver {
    /// The decrypted bytes of the connection: the handler reads and writes HTTP/1 itself (see
    /// `ClientRequestParser`), with no codec handlers between it and TLS.
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    let shared: GatewayShared
    /// The TLS server name the client asked for; nil without SNI.
    let serverName: String?
    var context: ChannelHandlerContext?
    var peer: IPAddress?
    /// The peer as text and whether it is a trusted proxy: fixed for the connection.
    var peerText = "-"
    var peerIsTrustedProxy = false
    /// The last Host seen on this connection and where it routed under which configuration
    /// (connections reuse one Host; a reload changes the configuration and so misses the cache).
    var routeCache: RouteCache?
    var forwardingCache: ForwardingCache?
    var tokenDigests = TokenDigestCache()
    /// The upstream pool of this connection's event loop, looked up once.
    var pool: UpstreamPool?
    /// One timer per connection for upstream response deadlines, re-armed when it fires rather than
    /// scheduled and cancelled for every request.
    var responseTimer: NIOScheduledCallback?
    var exchange: Exchange?
    private var readGate = ReadGate()
    /// Inside a batch of client reads: writes to the upstream wait for `channelReadComplete`'s one
    /// flush (a request's head and body usually arrive in one read: one write instead of two).
    var readInProgress = false
    var requestParser = ClientRequestParser()
    var responseEncoder = ClientResponseEncoder()
    /// Response bytes not yet passed to TLS: a head and a small body go as one record.
    var clientWrites = CoalescedWrites()
    private var unparsed = HeldBytes()
    /// Requests the client pipelined behind the one in flight, served in order once it is answered.
    /// Reads stop while any wait, so this holds at most one read's worth of parts.
    private var pipelined = CircularBuffer<ClientInput>()
    /// The client sent bytes that are not HTTP/1: nothing after them is read.
    private var unreadable = false
    private var draining = false
    /// The connection is closing: input is ignored.
    var closing = false
    /// Shutdown asked this connection to close after its current response.
    private var quiescing = false

    init(shared: GatewayShared, serverName: String?) {
        self.shared = shared
        self.serverName = serverName?.lowercased()
    }

    var now: Date { shared.services.clock.now() }
    var configuration: GatewayConfiguration { shared.state.current }

    struct RouteCache {
        let host: String
        let configuration: GatewayConfiguration
        /// The normalized host name, nil when the Host value is not one.
        let normalized: String?
        let route: HostRoute
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        peer = context.channel.remoteAddress?.ipAddress.flatMap { try? IPAddress($0) }
        peerText = peer?.description ?? "-"
        peerIsTrustedProxy = peer.map(shared.resolver.isTrusted) ?? false
        pool = shared.pools.pool(for: context.eventLoop)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing, !unreadable else { return }
        readInProgress = true
        var buffer = unparsed.joined(unwrapInboundIn(data))
        do {
            while !closing, let part = try requestParser.next(&buffer) {
                accept(.part(part))
            }
        } catch let malformed as ClientRequestParser.Malformed {
            unreadable = true
            accept(.malformed(malformed))
            return
        } catch {
            unreadable = true
            context.close(promise: nil)
            return
        }
        if !closing { unparsed.hold(buffer) }
    }

    /// A request part, or the point where the client's bytes stopped being HTTP/1.
    enum ClientInput {
        case part(HTTPServerRequestPart)
        case malformed(ClientRequestParser.Malformed)
    }

    private func accept(_ input: ClientInput) {
        // Anything after a request's end belongs to the next request: it waits for this response.
        if !pipelined.isEmpty || exchange?.requestEnded == true {
            pipelined.append(input)
            readGate.hold()
            return
        }
        receive(input)
    }

    private func receive(_ input: ClientInput) {
        switch input {
        case .part(.head(let head)):
            receiveHead(head)
        case .part(.body(let buffer)):
            receiveBody(buffer)
        case .part(.end):
            receiveEnd()
        case .malformed(let malformed):
            refuseUnreadable(malformed)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readInProgress = false
        exchange?.upstream?.handler.flush()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        responseTimer?.cancel()
        responseTimer = nil
        if let exchange {
            if let upstream = exchange.upstream {
                upstream.handler.receiver = nil
                upstream.handler.close()
            }
            if exchange.responseStatus == nil { logAccess(exchange, status: 499) }
        }
        exchange = nil
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { exchange?.upstream?.handler.resumeReads() }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        quiescing = true
        pipelined.removeAll()
        if let exchange {
            exchange.keepAlive = false
        } else {
            closing = true
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        shared.services.logger.debug("client connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
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

    // MARK: Request parts

    private func receiveBody(_ buffer: ByteBuffer) {
        guard let exchange else { return }
        exchange.requestBodyBytes += buffer.readableBytes
        switch exchange.phase {
        case .responded:
            return
        case .collectingForm(let path):
            if path == .admin, exchange.requestBodyBytes > Self.adminBodyLimit {
                exchange.keepAlive = false
                respondJSON(exchange, .error(413, code: "too_large", "Admin requests are limited to 1 MiB."))
                return
            }
            guard path == .admin || exchange.requestBodyBytes <= 16 * 1024 else {
                respond(exchange, .payloadTooLarge, title: "Form too large", "A sign-in form is never this large.")
                return
            }
            var buffer = buffer
            exchange.form = exchange.form ?? ByteBuffer()
            exchange.form!.writeBuffer(&buffer)
            return
        case .deciding, .connecting, .proxying, .collectingBody:
            break
        }
        guard exchange.requestBodyBytes <= shared.settings.maxBodyBytes else {
            refuseOversizedBody(exchange)
            return
        }
        if case .collectingBody = exchange.phase {
            exchange.appendToBody(buffer)
        } else if case .proxying = exchange.phase, let upstream = exchange.upstream {
            upstream.handler.write(.body(.byteBuffer(buffer)))
            if !upstream.handler.isWritable { pauseReads() }
        } else {
            exchange.buffered.append(buffer)
            // While deciding or connecting, hold the client back once a little is buffered.
            if exchange.buffered.count > 4 { pauseReads() }
        }
    }

    private func receiveEnd() {
        guard let exchange else { return }
        exchange.requestEnded = true
        switch exchange.phase {
        case .proxying:
            exchange.upstream?.handler.write(.end(nil), flush: !readInProgress)
            startResponseTimeout(exchange)
        case .collectingForm(let path):
            handleForm(exchange, path: path)
        case .collectingBody:
            tokenize(exchange)
        case .responded:
            finishIfDone(exchange)
        case .deciding, .connecting:
            break
        }
    }

    // MARK: Writing responses

    /// Writes a complete local response. A request whose body is still arriving ends the connection.
    func respond(
        _ exchange: Exchange, _ status: HTTPResponseStatus, headers extra: HTTPHeaders = [:], body: String,
        contentType: String = "text/html; charset=utf-8"
    ) {
        guard let context else { return }
        respond(exchange, status, headers: extra, bytes: context.channel.allocator.buffer(string: body), contentType: contentType)
    }

    /// The same for any bytes (an evidence bundle from the admin API).
    func respond(
        _ exchange: Exchange, _ status: HTTPResponseStatus, headers extra: HTTPHeaders = [:], bytes body: ByteBuffer, contentType: String
    ) {
        guard context != nil, self.exchange === exchange, !exchange.responseStarted else { return }
        exchange.phase = .responded
        exchange.buffered.removeAll()
        if !exchange.requestEnded && exchange.hasBody { exchange.keepAlive = false }
        var headers = extra
        headers.replaceOrAdd(name: "content-type", value: contentType)
        headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        GatewayHeaders.addSecurityHeaders(&headers)
        if !exchange.keepAlive { headers.replaceOrAdd(name: "connection", value: "close") }
        exchange.responseStarted = true
        exchange.responseStatus = status
        exchange.responseBytes = body.readableBytes
        sendHead(HTTPResponseHead(version: exchange.head.version, status: status, headers: headers), exchange)
        sendBody(body)
        writeEnd(exchange)
    }

    /// A local page: title plus one explanatory sentence.
    func respond(_ exchange: Exchange, _ status: HTTPResponseStatus, title: String, _ explanation: String, headers: HTTPHeaders = [:]) {
        respond(exchange, status, headers: headers, body: GatewayPages.error(title, explanation))
    }

    /// Ends the response; keeps the connection for the next request or closes it.
    func writeEnd(_ exchange: Exchange) {
        guard context != nil else { return }
        logAccess(exchange, status: Int(exchange.responseStatus?.code ?? 0))
        if exchange.keepAlive {
            sendEnd()
            finishIfDone(exchange)
        } else {
            self.exchange = nil
            closing = true
            pipelined.removeAll()
            sendEndAndClose()
        }
    }

    /// Once the response is written and the request fully read, the connection is ready for the next one.
    func finishIfDone(_ exchange: Exchange) {
        guard self.exchange === exchange, case .responded = exchange.phase, exchange.requestEnded else { return }
        self.exchange = nil
        if quiescing {
            closing = true
            context?.close(promise: nil)
            return
        }
        resumeReads()
        servePipelined()
    }

    /// Feeds queued pipelined parts in until a request is complete and waiting for its response.
    private func servePipelined() {
        guard !draining else { return }  // a response finished while feeding: the loop below goes on
        draining = true
        defer { draining = false }
        while !closing, exchange?.requestEnded != true, let input = pipelined.popFirst() {
            receive(input)
        }
        if pipelined.isEmpty { readGate.release(context) }
    }

    private func refuseOversizedBody(_ exchange: Exchange) {
        refuseRequest(
            exchange, .payloadTooLarge, title: "Request too large",
            "The request body is larger than this gateway accepts (\(shared.settings.maxBodyBytes) bytes).")
    }

    /// Refuses the request in flight: the upstream connection (if any) is dropped, and the client
    /// gets the error if its response has not begun, and the connection ends either way.
    func refuseRequest(_ exchange: Exchange, _ status: HTTPResponseStatus, title: String, _ explanation: String) {
        if let upstream = exchange.upstream {
            upstream.handler.receiver = nil
            upstream.handler.close()
            exchange.upstream = nil
        }
        exchange.keepAlive = false
        if exchange.responseStarted {
            closing = true
            context?.close(promise: nil)
        } else {
            respond(exchange, status, title: title, explanation)
        }
    }

    // MARK: Access log

    /// The path as logs and audit records show it: a card number in it masked (BIN and last four),
    /// whatever the tenant's tokenization setting, so none reaches a file.
    func recordedPath(_ exchange: Exchange) -> String {
        let path = exchange.path
        guard CardRewrite.mayHoldCard(inPath: path) else { return path }
        return shared.services.cards.maskPath(path[...]) ?? path
    }

    /// One line per request: no query string, no body, no credentials, no card number.
    func logAccess(_ exchange: Exchange, status: Int) {
        if (100..<600).contains(status) { shared.responses[status / 100 - 1].increment() }
        guard let accessLog = shared.accessLog else { return }
        accessLog.record(
            AccessLogLine(
                method: exchange.head.method.rawValue, path: recordedPath(exchange), status: status, client: exchange.clientIPText,
                host: exchange.hostName, tenant: exchange.tenant?.tenant.prefix.value ?? "-", user: exchange.userLabel,
                microseconds: (NIODeadline.now() - exchange.started).nanoseconds / 1000, bytesIn: exchange.requestBodyBytes,
                bytesOut: exchange.responseBytes, cards: exchange.cardFieldsTokenized))
    }
}
