import Foundation
import GatehouseCore
import NIOCore
import NIOHTTP1

extension GatewayHandler {
    /// Bodies larger than this are tokenized off the event loop.
    static let inlineTokenizationLimit = 64 * 1024
    /// On the event loop, at most this much compressed data is inflated; a request holding more is
    /// read again off the loop, with the whole allowance its size gives.
    static let inlineContentsLimit = 2 << 20

    /// The tokenization hook, between the access decision and the proxy. A tokenizing tenant's
    /// request is read whole first (a card number may straddle chunks, the body may be compressed),
    /// then its query, header values and body are rewritten; nothing is forwarded unscanned.
    func proceedToProxy(_ exchange: Exchange, access: TenantAccess, user: User) {
        guard access.card.tokenize else {
            startProxy(exchange, access: access, user: user)
            return
        }
        guard configuration.cardTokens[access.tenant.prefix] != nil else {
            shared.services.logger.error("no card token key for tenant", metadata: ["tenant": "\(access.tenant.prefix)"])
            respond(exchange, .serviceUnavailable, title: "Try again", "Card protection is not ready for this site yet; try again shortly.")
            return
        }
        exchange.body = ByteBuffer()
        for part in exchange.buffered { exchange.appendToBody(part) }
        exchange.buffered.removeAll()
        if exchange.hasBody && !exchange.requestEnded {
            exchange.phase = .collectingBody
            sendContinueIfExpected(exchange)
            resumeReads()
            return
        }
        tokenize(exchange)
    }

    /// Runs once the whole request is here.
    func tokenize(_ exchange: Exchange) {
        guard let access = exchange.tenant, let user = exchange.user,
              let tokenizer = configuration.cardTokens[access.tenant.prefix]
        else {
            respond(exchange, .serviceUnavailable, title: "Try again", "Card protection is not ready for this site yet; try again shortly.")
            return
        }
        exchange.phase = .deciding
        var received = exchange.body
        exchange.body = nil
        if let raw = received, raw.readableBytes > 0 {
            do throws(RequestBodyDecoding.Failure) {
                if exchange.head.headers.contains(name: "content-encoding"), let decoded = try RequestBodyDecoding.decode(
                    raw, contentEncoding: exchange.head.headers["content-encoding"], limit: shared.settings.maxBodyBytes)
                {
                    received = decoded
                    exchange.bodyDecoded = true
                }
            } catch {
                refuseEncoding(exchange, error)
                return
            }
        }
        let target = exchange.target, headers = exchange.head.headers, decoded = exchange.bodyDecoded
        let body = received
        let processor = access.card.processor
        if processor == nil && (body?.readableBytes ?? 0) <= Self.inlineTokenizationLimit {
            do throws(CardRefusal) {
                let rewrite = try CardRewrite.run(
                    cards: shared.services.cards, target: target, headers: headers, body: body, bodyWasDecoded: decoded, withContext: false,
                    contentsLimit: Self.inlineContentsLimit, tokenFor: { tokenizer.token(for: $0.pan) })
                forward(exchange, rewrite, original: body, access: access, user: user, viaProcessor: false)
                return
            } catch {
                // Compressed data beyond the loop's allowance is read off it, below.
                guard case .contentsTooLarge = error else {
                    refuseCards(exchange, error.description)
                    return
                }
            }
        }
        let client = shared.cardProcessor, prefix = access.tenant.prefix, cards = shared.services.cards
        let work: @Sendable () async -> CardOutcome = {
            await Self.rewriteOffLoop(
                cards: cards, target: target, headers: headers, body: body, decoded: decoded, tokenizer: tokenizer,
                processor: processor, client: client, tenant: prefix)
        }
        awaitOnLoop(exchange, work) { outcome in
            switch outcome {
            case .rewritten(let rewrite):
                self.forward(exchange, rewrite, original: body, access: access, user: user, viaProcessor: processor != nil)
            case .refused(let reason):
                self.refuseCards(exchange, reason)
            }
        }
    }

    enum CardOutcome: Sendable {
        case rewritten(CardRewrite)
        case refused(String)
    }

    /// Large bodies and card-processor exchanges: first find the cards (with the tenant's tokens),
    /// then ask the processor for each distinct card and rewrite again with its tokens.
    static func rewriteOffLoop(
        cards: any CardProtection, target: String, headers: HTTPHeaders, body: ByteBuffer?, decoded: Bool,
        tokenizer: any CardTokenSource,
        processor: CardProcessorURL?, client: CardProcessorClient, tenant: TenantPrefix
    ) async -> CardOutcome {
        var findings: [CardFinding] = []
        let first: CardRewrite
        do {
            first = try CardRewrite.run(
                cards: cards, target: target, headers: headers, body: body, bodyWasDecoded: decoded, withContext: processor != nil
            ) { finding in
                if processor != nil { findings.append(finding) }
                return tokenizer.token(for: finding.pan)
            }
        } catch {
            return .refused(error.description)
        }
        guard let processor, !findings.isEmpty else { return .rewritten(first) }
        defer { for index in findings.indices { findings[index].wipe() } }
        var tokens: [[UInt8]: String] = [:]
        for finding in findings where tokens[finding.pan] == nil {
            do {
                tokens[finding.pan] = try await client.token(for: finding, tenant: tenant, processor: processor)
            } catch {
                return .refused("The card could not be tokenized: \(error). The request was not forwarded.")
            }
        }
        do {
            return .rewritten(
                try CardRewrite.run(cards: cards, target: target, headers: headers, body: body, bodyWasDecoded: decoded, withContext: true) { finding in
                    tokens[finding.pan] ?? tokenizer.token(for: finding.pan)
                })
        } catch {
            return .refused(error.description)
        }
    }

    /// Puts the rewritten parts in place, counts them for the audit log (never the numbers) and proxies.
    private func forward(
        _ exchange: Exchange, _ rewrite: CardRewrite, original: ByteBuffer?, access: TenantAccess, user: User, viaProcessor: Bool
    ) {
        exchange.target = rewrite.target
        if rewrite.headersChanged { exchange.tokenizedHeaders = rewrite.headers }
        if let body = rewrite.body {
            exchange.buffered = [body]
            exchange.isChunked = false
            exchange.contentLength = body.readableBytes
        } else if let original, original.readableBytes > 0 {
            exchange.buffered = [original]
        }
        if rewrite.tokenized > 0 || rewrite.removedSecurityCodes > 0 {
            shared.cardsTokenized.increment(by: Int64(rewrite.tokenized))
            exchange.cardFieldsTokenized = rewrite.tokenized + rewrite.removedSecurityCodes
            let time = now
            shared.tokenizations.add(
                TokenizationTally.Key(
                    at: time, tenant: access.tenant.prefix.value, userID: user.id, sourceIP: exchange.clientIP, host: exchange.hostName,
                    viaProcessor: viaProcessor),
                user: user, at: time, fields: rewrite.tokenized, securityCodes: rewrite.removedSecurityCodes)
        }
        startProxy(exchange, access: access, user: user)
    }

    /// 422: the request holds card data the gateway cannot handle safely; nothing is forwarded.
    private func refuseCards(_ exchange: Exchange, _ reason: String) {
        shared.cardsRefused.increment()
        exchange.keepAlive = exchange.requestEnded && exchange.keepAlive
        shared.services.record(
            AuditEvent(
                time: now, actor: exchange.user.map { .user($0.qualifiedName) } ?? .anonymous, tenant: exchange.tenant?.tenant.prefix.value,
                sourceIP: exchange.clientIP.description, action: AuditAction.cardRefused, target: exchange.hostName, outcome: .denied,
                details: ["path": recordedPath(exchange)]))
        respond(exchange, .unprocessableEntity, title: "Card data refused", reason)
    }

    private func refuseEncoding(_ exchange: Exchange, _ failure: RequestBodyDecoding.Failure) {
        switch failure {
        case .unsupported(let coding):
            respond(
                exchange, .unsupportedMediaType, title: "Unsupported content encoding",
                "Content-Encoding '\(coding)' cannot be scanned for card numbers; send the body as identity, gzip or deflate.")
        case .corrupt(let coding):
            respond(exchange, .badRequest, title: "Bad request", "The \(coding) request body could not be decoded.")
        case .tooLarge:
            respond(
                exchange, .payloadTooLarge, title: "Request too large",
                "The decoded request body is larger than this gateway accepts (\(shared.settings.maxBodyBytes) bytes).")
        }
    }
}

