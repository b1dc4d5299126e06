import Foundation
import GatehouseCore
import NIOCore
import NIOHTTP1

extension GatewayHandler {
    /// Takes a pooled upstream connection on this event loop (or, for a retry, a new one) and starts streaming.
    func startProxy(_ exchange: Exchange, access: TenantAccess, user: User, fresh: Bool = false) {
        guard context != nil, let pool else { return }
        let forwarding = forwarding(for: access, user: user)
        guard let key = forwarding.key else {
            respond(exchange, .badGateway, title: "Bad gateway", "The tenant's upstream address is not usable.")
            return
        }
        if !fresh, let connection = pool.takeIdle(key) {
            beginStreaming(exchange, to: connection, access: access, user: user, roles: forwarding.roles)
            return
        }
        exchange.phase = .connecting
        pauseReads()
        pool.connect(key).whenComplete { result in
            guard self.exchange === exchange, self.context != nil else {
                if case .success(let connection) = result { pool.release(connection) }
                return
            }
            switch result {
            case .failure(let error):
                self.shared.upstreamFailures.increment()
                self.shared.services.logger.warning(
                    "upstream unreachable", metadata: ["tenant": "\(access.tenant.prefix)", "upstream": "\(key.host):\(key.port)", "error": "\(error)"])
                self.respond(
                    exchange, .badGateway, title: "Upstream unavailable",
                    "The application of \(access.tenant.prefix) could not be reached. Try again in a moment.")
                self.resumeReads()
            case .success(let connection):
                self.beginStreaming(exchange, to: connection, access: access, user: user, roles: forwarding.roles)
            }
        }
    }

    /// The upstream and the identity fields for this tenant and user, kept for the connection's next
    /// request while the tenant's upstream and the user's roles stay the same (a connection repeats
    /// them). Compared with what this request was decided on, not the configuration now: a reload can
    /// land while a sign-in is checked off the loop.
    private func forwarding(for access: TenantAccess, user: User) -> ForwardingCache {
        if let cached = forwardingCache, cached.tenant == access.tenant.prefix, cached.userID == user.id, cached.roleSet == user.roles,
           cached.upstream == access.tenant.upstream.url
        {
            return cached
        }
        let made = ForwardingCache(
            tenant: access.tenant.prefix, userID: user.id, roleSet: user.roles, upstream: access.tenant.upstream.url,
            key: UpstreamKey(url: access.tenant.upstream.url), roles: HeaderRewriting.rolesValue(user))
        forwardingCache = made
        return made
    }

    private func beginStreaming(_ exchange: Exchange, to connection: UpstreamConnection, access: TenantAccess, user: User, roles: String) {
        guard context != nil else { return }
        exchange.upstream = connection
        exchange.retryable = connection.reused && !exchange.hasBody
        exchange.phase = .proxying
        connection.handler.receiver = self
        let head = upstreamHead(exchange, access: access, user: user, roles: roles)
        connection.handler.writeHead(method: exchange.head.method, uri: head.uri, fields: head.fields)
        for buffer in exchange.buffered { connection.handler.write(.body(.byteBuffer(buffer))) }
        exchange.buffered.removeAll()
        if exchange.requestEnded { connection.handler.write(.end(nil)) }
        if !readInProgress { connection.handler.flush() }
        sendContinueIfExpected(exchange)
        if exchange.requestEnded { startResponseTimeout(exchange) }
        if connection.handler.isWritable { resumeReads() } else { pauseReads() }
    }

    /// `100 Continue` for a client that waits for it before sending its body (the gateway is about to read it).
    func sendContinueIfExpected(_ exchange: Exchange) {
        guard !exchange.requestEnded, exchange.head.headers["expect"].contains(where: { $0.lowercased() == "100-continue" }) else { return }
        sendHead(HTTPResponseHead(version: exchange.head.version, status: .continue), exchange)
        flushClient()
    }

    /// The upstream has the whole request: from now it has `--upstream-timeout` to answer.
    func startResponseTimeout(_ exchange: Exchange) {
        guard exchange.responseDeadline == nil else { return }
        let deadline = NIODeadline.now() + .milliseconds(Int64(shared.settings.upstreamResponseTimeout * 1000))
        exchange.responseDeadline = deadline
        // A pending timer is due no later than this deadline (every deadline is now + the same timeout).
        if responseTimer == nil { armResponseTimer(at: deadline) }
    }

    private func armResponseTimer(at deadline: NIODeadline) {
        guard let context else { return }
        responseTimer = try? context.eventLoop.assumeIsolated().scheduleCallback(at: deadline, handler: ResponseTimeout(handler: self))
    }

    /// The connection's timer is due: the current exchange has timed out, or the timer moves on to its deadline.
    func responseTimerFired() {
        responseTimer = nil
        guard let exchange, let deadline = exchange.responseDeadline else { return }
        if deadline <= .now() {
            upstreamTimedOut(exchange)
        } else {
            armResponseTimer(at: deadline)
        }
    }

    /// The request as the upstream sees it: hop-by-hop fields, credentials, gateway cookies and
    /// spoofed identity removed; forwarding and identity fields set by the gateway.
    private func upstreamHead(_ exchange: Exchange, access: TenantAccess, user: User, roles: String) -> (uri: String, fields: FieldList) {
        // A tokenizing tenant's upstream answers uncompressed and whole, so card numbers in responses can be masked.
        var dropped: DroppedFields = access.card.tokenize ? [.acceptEncoding, .range] : []
        if exchange.bodyDecoded { dropped.insert(.contentEncoding) }
        let headers = HeaderRewriting.upstreamRequest(
            exchange.tokenizedHeaders ?? exchange.head.headers, clientIP: exchange.clientIPText, peer: peerText,
            fromTrustedProxy: peerIsTrustedProxy, host: exchange.hostName, user: user, roles: roles,
            tenant: access.tenant.prefix,
            chunked: exchange.isChunked, contentLength: exchange.contentLength, dropping: dropped)
        let basePath = access.tenant.upstream.url.path
        let uri = basePath.isEmpty || basePath == "/" ? exchange.target : basePath.trimmingSuffix("/") + exchange.target
        return (uri, headers)
    }

    /// Responses whose type is text (or unstated) are masked (BIN and last four at most); a binary
    /// type (an image, a PDF, an archive) goes on as it is.
    static func mayMask(_ headers: HTTPHeaders) -> Bool {
        guard var type = headers.first(name: "content-type") else { return true }
        // Per response: compared in place, without a lowercase copy.
        return type.withUTF8 { type in
            containsIgnoringCase(type, "text/", atStartOnly: true) || containsIgnoringCase(type, "json")
                || containsIgnoringCase(type, "xml") || containsIgnoringCase(type, "javascript") || containsIgnoringCase(type, "urlencoded")
        }
    }

    /// An HTML page (or XHTML), which a browser lays out: white space between digits shows as one space.
    /// So is a response of no stated type, which a browser sniffs and most often shows as a page.
    static func isPage(_ headers: HTTPHeaders) -> Bool {
        guard var type = headers.first(name: "content-type") else { return true }
        return type.withUTF8 { containsIgnoringCase($0, "html") }
    }

    /// Whether `text` holds `lowercase` (lowercase ASCII) but for ASCII case.
    private static func containsIgnoringCase(_ text: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString, atStartOnly: Bool = false) -> Bool {
        let count = lowercase.utf8CodeUnitCount
        guard text.count >= count else { return false }
        let needle = lowercase.utf8Start
        candidates: for start in 0...(atStartOnly ? 0 : text.count - count) {
            for offset in 0..<count where text[start + offset].asciiLowercased != needle[offset] { continue candidates }
            return true
        }
        return false
    }

    // MARK: UpstreamResponseReceiver

    func upstreamResponseHead(_ head: HTTPResponseHead) {
        guard context != nil, let exchange, exchange.upstream != nil else { return }
        if head.status == .switchingProtocols {
            // Upgrade was never forwarded, so a 101 is a broken upstream; its connection is not reusable.
            upstreamFailed(UpstreamClosedError())
            return
        }
        if head.status.code < 200 { return }  // interim responses are not relayed
        exchange.responseDeadline = nil
        var headers = HeaderRewriting.clientResponse(head.headers, close: !exchange.keepAlive)
        if exchange.tenant?.card.tokenize == true {
            if Self.mayMask(head.headers), mayHaveBody(head.status) {
                let coding = ResponseCoding(head.headers)
                if case .undecodable(let name) = coding {
                    refuseResponseCoding(exchange, name)
                    return
                }
                // A range of a compressed body does not decode on its own (it starts mid-stream).
                if coding != .identity, head.status == .partialContent {
                    refuseResponseCoding(exchange, coding.name, partial: true)
                    return
                }
                if coding != .identity {
                    // Decoded, masked and sent on as identity (its length is known only at the end).
                    guard let inflater = try? ResponseInflater(coding) else {
                        upstreamFailed(ResponseInflater.Corrupt())
                        return
                    }
                    exchange.responseInflater = inflater
                    headers.remove(name: "content-encoding")
                    headers.remove(name: "content-length")
                    // Another representation of the same resource: a strong validator becomes weak.
                    if let etag = headers.first(name: "etag"), !etag.hasPrefix("W/") { headers.replaceOrAdd(name: "etag", value: "W/" + etag) }
                }
                exchange.responseMasker = shared.services.cards.responseMasker(html: Self.isPage(head.headers))
            }
            // Field values too (a Location or Content-Disposition naming a card), masked in place.
            if headers.fields.contains(where: { CardRewrite.mayHoldCard($0.value) }) {
                let cards = shared.services.cards
                headers.fields = headers.fields.map { ($0.name, CardRewrite.mayHoldCard($0.value) ? cards.masked($0.value) : $0.value) }
            }
        }
        // An HTTP/1.0 client has no chunked framing: a body of unknown length ends with the connection.
        if exchange.keepAlive, exchange.head.version.minor == 0, mayHaveBody(head.status), !headers.contains(name: "content-length") {
            exchange.keepAlive = false
            headers.replaceOrAdd(name: "connection", value: "close")
        }
        exchange.responseStarted = true
        exchange.responseStatus = head.status
        sendHead(version: exchange.head.version, status: head.status, fields: headers, toHEAD: exchange.head.method == .HEAD)
    }

    func upstreamResponseBody(_ buffer: ByteBuffer) {
        guard let context, let exchange, let upstream = exchange.upstream else { return }
        if let inflater = exchange.responseInflater {
            do {
                try buffer.withUnsafeReadableBytes { compressed in
                    try inflater.feed(compressed) { writeMasked(exchange, $0, context: context) }
                }
            } catch {
                responseBodyCorrupt(exchange, tooExpanded: error is ResponseInflater.TooExpanded)
                return
            }
        } else if exchange.responseMasker != nil, !buffer.withUnsafeReadableBytes({ exchange.responseMasker!.passesUnchanged($0) }) {
            buffer.withUnsafeReadableBytes { writeMasked(exchange, $0, context: context) }
        } else {
            relayBody(buffer, exchange)
        }
        if !context.channel.isWritable {
            flushClient()
            upstream.handler.pauseReads()
        }
    }

    private func writeMasked(_ exchange: Exchange, _ bytes: UnsafeRawBufferPointer, context: ChannelHandlerContext) {
        let masked = exchange.responseMasker!.process(bytes)
        if !masked.isEmpty { relayBody(ByteBuffer(bytes: masked), exchange) }
    }

    /// Sends a piece of the upstream's body on, counting what the client receives (`bytes_out`:
    /// decoded and masked, when the upstream compressed it).
    private func relayBody(_ buffer: ByteBuffer, _ exchange: Exchange) {
        exchange.responseBytes += buffer.readableBytes
        sendBody(buffer)
    }

    /// A compressed response that does not decode, or decodes to far more than any page: the client's
    /// connection is closed mid-response.
    private func responseBodyCorrupt(_ exchange: Exchange, tooExpanded: Bool = false) {
        shared.services.logger.warning(
            tooExpanded ? "upstream response body expands beyond any page (a decompression bomb); not passed on"
                : "upstream response body could not be decoded",
            metadata: ["tenant": "\(exchange.tenant?.tenant.prefix.value ?? "-")"])
        upstreamFailed(ResponseInflater.Corrupt())
    }

    /// Whether a response with this status to this exchange's request carries a body.
    private func mayHaveBody(_ status: HTTPResponseStatus) -> Bool {
        exchange?.head.method != .HEAD && status != .noContent && status != .notModified
    }

    /// A text response in a coding the gateway cannot decode could carry a card number unmasked: it is
    /// not forwarded (502), and its connection, with the body unread, is closed. So is a range
    /// (206) of a compressed body, which cannot be decoded without the bytes before it.
    private func refuseResponseCoding(_ exchange: Exchange, _ label: String, partial: Bool = false) {
        // The upstream's own text, shown and logged only if it looks like a coding name.
        let coding = label.utf8.count <= 32 && !CardRewrite.mayHoldCard(label)
            && label.utf8.allSatisfy({ $0 &- 0x30 <= 9 || ($0 | 0x20) &- 0x61 <= 25 || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ",") || $0 == 0x20 })
            ? label : "(unnamed)"
        guard let upstream = exchange.upstream else { return }
        upstream.handler.receiver = nil
        upstream.handler.close()
        exchange.upstream = nil
        if !exchange.requestEnded { exchange.keepAlive = false }
        shared.upstreamFailures.increment()
        shared.services.logger.warning(
            "upstream response in a content coding that cannot be checked for card numbers",
            metadata: ["tenant": "\(exchange.tenant?.tenant.prefix.value ?? "-")", "coding": "\(coding)"])
        respond(
            exchange, .badGateway, title: "Upstream error",
            partial
                ? "The application answered a range request with part of a '\(coding)'-compressed body, which the gateway cannot check for card numbers, so the answer was not passed on. Ask again without a Range header."
                : "The application answered in the content coding '\(coding)', which the gateway cannot check for card numbers, so the answer was not passed on.")
        resumeReads()
    }

    func upstreamReadComplete() {
        flushClient()
    }

    func upstreamResponseEnd(reusable: Bool) {
        guard context != nil, let exchange, let upstream = exchange.upstream else { return }
        // A compressed body cut off in the middle: the client gets an incomplete response, not an end.
        if let inflater = exchange.responseInflater {
            do { try inflater.finish() } catch {
                responseBodyCorrupt(exchange)
                return
            }
        }
        exchange.upstream = nil
        exchange.responseDeadline = nil
        if reusable && exchange.requestEnded {
            pool?.release(upstream)
        } else {
            upstream.handler.close()
        }
        if exchange.responseMasker != nil {
            let rest = exchange.responseMasker!.finish()
            if !rest.isEmpty { relayBody(ByteBuffer(bytes: rest), exchange) }
        }
        // A request whose body the upstream did not wait for cannot leave the connection reusable.
        if !exchange.requestEnded { exchange.keepAlive = false }
        exchange.phase = .responded
        writeEnd(exchange)
    }

    func upstreamFailed(_ error: any Error) {
        guard let exchange, let failed = exchange.upstream else { return }
        failed.handler.receiver = nil
        failed.handler.close()
        exchange.upstream = nil
        exchange.responseDeadline = nil
        // A pooled connection the upstream had already closed: try once more on a fresh one.
        if exchange.retryable, !exchange.responseStarted, let access = exchange.tenant, let user = exchange.user {
            exchange.retryable = false
            startProxy(exchange, access: access, user: user, fresh: true)
            return
        }
        exchange.keepAlive = false
        if exchange.responseStarted {
            logAccess(exchange, status: Int(exchange.responseStatus?.code ?? 502))
            self.exchange = nil
            context?.close(promise: nil)
            return
        }
        shared.upstreamFailures.increment()
        shared.services.logger.warning("upstream failed", metadata: ["tenant": "\(exchange.tenant?.tenant.prefix.value ?? "-")", "error": "\(error)"])
        let explanation = error is UpstreamResponseParser.Malformed
            ? "The application sent a response that is not valid HTTP/1.1." : "The application closed the connection before answering."
        respond(exchange, .badGateway, title: "Upstream error", explanation)
        resumeReads()
    }

    func upstreamWritabilityChanged(isWritable: Bool) {
        if isWritable { resumeReads() }
    }

    /// No response head in time: 504, and the upstream connection is dropped.
    func upstreamTimedOut(_ exchange: Exchange) {
        guard self.exchange === exchange, let upstream = exchange.upstream, !exchange.responseStarted else { return }
        upstream.handler.receiver = nil
        upstream.handler.close()
        exchange.upstream = nil
        exchange.keepAlive = false
        respond(
            exchange, .gatewayTimeout, title: "Upstream timeout",
            "The application of \(exchange.tenant?.tenant.prefix.value ?? "this tenant") did not answer in time.")
    }
}

/// What `forwarding(for:user:)` keeps per connection (a class: handed on per request with one retain).
final class ForwardingCache {
    let tenant: TenantPrefix
    let userID: Int64
    let roleSet: Set<Role>
    let upstream: URL
    let key: UpstreamKey?
    /// The `X-Gatehouse-Roles` value.
    let roles: String

    init(tenant: TenantPrefix, userID: Int64, roleSet: Set<Role>, upstream: URL, key: UpstreamKey?, roles: String) {
        self.tenant = tenant
        self.userID = userID
        self.roleSet = roleSet
        self.upstream = upstream
        self.key = key
        self.roles = roles
    }
}

/// Fires the connection's response timer on its event loop.
struct ResponseTimeout: NIOScheduledCallbackHandler {
    let handler: NIOLoopBound<GatewayHandler>

    init(handler: GatewayHandler) {
        self.handler = NIOLoopBound(handler, eventLoop: handler.context!.eventLoop)
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        handler.value.responseTimerFired()
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
