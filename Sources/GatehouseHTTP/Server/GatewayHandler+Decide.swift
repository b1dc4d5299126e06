import Foundation
import GatehouseCore
import NIOCore
import NIOHTTP1

extension GatewayHandler {
    /// Resolves the tenant and decides access, in the order DESIGN.md fixes: host → lifecycle →
    /// allowlist → ban → credential → role. Nothing reaches an upstream before all of them pass.
    func receiveHead(_ head: HTTPRequestHead) {
        guard let peer else {
            context?.close(promise: nil)
            return
        }
        let forwardedFor = peerIsTrustedProxy ? head.headers["x-forwarded-for"] : []
        let clientIP = shared.resolver.clientAddress(peer: peer, forwardedFor: forwardedFor)
        let exchange = Exchange(head: head, clientIP: clientIP, clientIPText: clientIP == peer ? peerText : nil)
        self.exchange = exchange

        // Framing the upstream could read differently from us is refused outright.
        if !exchange.transferCodings.isEmpty && exchange.transferCodings != ["chunked"] {
            exchange.keepAlive = false
            respond(exchange, .badRequest, title: "Bad request", "Only 'Transfer-Encoding: chunked' is accepted.")
            return
        }
        if Set(head.headers["content-length"]).count > 1 {
            exchange.keepAlive = false
            respond(exchange, .badRequest, title: "Bad request", "The request has conflicting Content-Length fields.")
            return
        }
        if let length = head.headers["content-length"].first.flatMap(Int.init), length > shared.settings.maxBodyBytes {
            exchange.keepAlive = false
            respond(
                exchange, .payloadTooLarge, title: "Request too large",
                "The request body is larger than this gateway accepts (\(shared.settings.maxBodyBytes) bytes).")
            return
        }
        let hosts = head.headers["host"]
        let configuration = self.configuration
        let routed: RouteCache?
        if hosts.count != 1 {
            routed = nil
        } else if let cached = routeCache, cached.configuration === configuration, cached.host == hosts[0] {
            routed = cached
        } else {
            let normalized = HostRouter.normalize(hosts[0])
            routed = RouteCache(
                host: hosts[0], configuration: configuration, normalized: normalized,
                route: normalized.map(configuration.router.route(normalizedHost:)) ?? .unknown)
            routeCache = routed
        }
        guard let routed, let host = routed.normalized else {
            exchange.keepAlive = false
            respond(exchange, .badRequest, title: "Bad request", "The request needs exactly one valid Host header.")
            return
        }
        exchange.hostName = host
        if exchange.head.method == .TRACE || exchange.head.method == .CONNECT {
            exchange.keepAlive = false
            var headers = HTTPHeaders()
            headers.add(name: "allow", value: "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
            respond(exchange, .methodNotAllowed, title: "Method not allowed", "TRACE and CONNECT are not served.", headers: headers)
            return
        }
        switch RequestTarget.check(exchange.head.uri, host: host) {
        case .refused(let reason):
            exchange.keepAlive = false
            respond(exchange, .badRequest, title: "Bad request", reason)
            return
        case .origin(let target):
            exchange.target = target
            exchange.path = String(target.prefix { $0 != "?" })
        }
        if let serverName, serverName != host {
            respond(
                exchange, .misdirectedRequest, title: "Misdirected request",
                "This connection was opened for another host name; open a new connection for \(host).")
            return
        }
        let prefix: TenantPrefix
        switch routed.route {
        case .unknown:
            respond(exchange, .notFound, title: "Unknown site", "No tenant is served at \(host).")
            return
        case .admin:
            handleAdmin(exchange)
            return
        case .tenant(let routed):
            prefix = routed
        }
        guard let access = configuration.access.tenants[prefix] else {
            respond(exchange, .notFound, title: "Unknown site", "No tenant is served at \(host).")
            return
        }
        exchange.tenant = access

        if let refusal = AccessPolicy.screen(
            source: exchange.clientIP, subscription: access.tenant.subscription, at: now, allowlist: access.allowlist,
            banStatus: shared.services.defender.admit(exchange.clientIP), required: .useApplication)
        {
            deny(exchange, refusal)
            return
        }
        if exchange.path.hasPrefix("/_gatehouse/") {
            handleGatewayPath(exchange)
            return
        }
        authenticate(exchange, access: access, configuration: configuration)
    }

    private func authenticate(_ exchange: Exchange, access: TenantAccess, configuration: GatewayConfiguration) {
        let scope = UserScope.tenant(access.tenant.prefix)
        switch PresentedCredential(headers: exchange.head.headers) {
        case .bearer(let token):
            let outcome = shared.tokens.verify(token, digests: &tokenDigests, scope: scope, snapshot: configuration.access, now: now)
            conclude(exchange, outcome, method: "bearer")
        case .session(let cookie):
            if let session = shared.sessions.cached(cookie: cookie, now: now) {
                conclude(exchange, sessionOutcome(session, scope: scope), method: "session")
                return
            }
            let sessions = shared.sessions, now = self.now
            awaitOnLoop(exchange, { try await sessions.load(cookie: cookie, now: now) }) { session in
                self.conclude(exchange, session.map { self.sessionOutcome($0, scope: scope) } ?? .missing, method: "session")
            }
        case .basic(let name, let password):
            guard let userName = try? UserName(name) else {
                conclude(exchange, .unknownUser, method: "basic")
                return
            }
            let credentials = shared.services.credentials
            awaitOnLoop(exchange, { try await credentials.verifyPassword(password, user: userName, scope: scope) }) { outcome in
                self.conclude(exchange, outcome, method: "basic")
            }
        case .malformed:
            respond(
                exchange, .unauthorized, title: "Sign-in required",
                "The Authorization header is not a valid Basic or Bearer credential.", headers: challengeHeaders(access))
        case .none:
            challenge(exchange, access: access)
        }
    }

    /// A session's user, if it still exists in the snapshot and belongs to this tenant.
    func sessionOutcome(_ session: BrowserSession, scope: UserScope) -> CredentialOutcome {
        guard let user = configuration.access.users[session.userID], user.scope == scope else { return .missing }
        return .verified(user)
    }

    /// Runs `work` off the event loop while the request waits (reads paused), then continues on the loop.
    func awaitOnLoop<T: Sendable>(
        _ exchange: Exchange, _ work: @escaping @Sendable () async throws -> T, then: @escaping (T) -> Void
    ) {
        guard let context else { return }
        pauseReads()
        context.eventLoop.makeFutureWithTask(work).assumeIsolated().whenComplete { result in
            guard self.exchange === exchange else { return }
            switch result {
            case .success(let value):
                then(value)
            case .failure(let error):
                self.shared.services.logger.error("sign-in check failed", metadata: ["error": "\(error)"])
                self.respond(exchange, .serviceUnavailable, title: "Try again", "Sign-in is briefly unavailable; try again shortly.")
            }
            // Collecting, connecting and proxying manage reads themselves (backpressure).
            switch exchange.phase {
            case .connecting, .proxying, .collectingBody: break
            default: self.resumeReads()
            }
        }
    }

    /// Finishes the decision once the credential is known.
    func conclude(_ exchange: Exchange, _ outcome: CredentialOutcome, method: String) {
        guard let access = exchange.tenant else { return }
        if outcome == .missing {
            challenge(exchange, access: access)
            return
        }
        let decision = AccessPolicy.authorize(outcome, source: exchange.clientIP, allowlist: access.allowlist, required: .useApplication)
        guard case .allowed(let user) = decision else {
            if case .unauthenticated = decision {
                auditLogin(exchange, outcome: outcome, method: method, success: false)
            }
            deny(exchange, decision)
            return
        }
        exchange.user = user
        proceedToProxy(exchange, access: access, user: user)
    }

    /// Browsers go to the sign-in page; API clients get 401 with the schemes they may use.
    func challenge(_ exchange: Exchange, access: TenantAccess) {
        let accept = exchange.head.headers["accept"].joined(separator: ",")
        if exchange.head.method == .GET && accept.contains("text/html") {
            let next = FormCoding.safeNext(exchange.target)
            var headers = HTTPHeaders()
            headers.add(name: "location", value: "/_gatehouse/login?next=\(FormCoding.percentEncode(next))")
            respond(exchange, .seeOther, title: "Sign in", "Sign in to continue.", headers: headers)
        } else {
            respond(
                exchange, .unauthorized, title: "Sign-in required",
                "Send HTTP Basic credentials or an API token (Authorization: Bearer …).", headers: challengeHeaders(access))
        }
    }

    func challengeHeaders(_ access: TenantAccess) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "www-authenticate", value: "Basic realm=\"\(access.tenant.prefix)\", charset=\"UTF-8\"")
        headers.add(name: "www-authenticate", value: "Bearer realm=\"\(access.tenant.prefix)\"")
        return headers
    }

    /// Answers a refusal, feeds the defender, and audits it (throttled).
    func deny(_ exchange: Exchange, _ decision: AccessDecision) {
        if let event = AccessPolicy.defenderEvent(for: decision) {
            shared.services.defender.record(event, from: exchange.clientIP)
        }
        let prefix = exchange.tenant?.tenant.prefix.value ?? "-"
        let reason: String
        switch decision {
        case .tenantUnavailable(.purged):
            reason = "purged"
            respond(exchange, .gone, title: "This site is gone", "The subscription of \(prefix) ended and its data has been removed.")
        case .tenantUnavailable:
            reason = "suspended"
            respond(
                exchange, .forbidden, title: "Subscription suspended",
                "The subscription of \(prefix) is suspended. Its administrators can renew it to restore access.")
        case .deniedByAllowlist:
            reason = "allowlist"
            respond(
                exchange, .forbidden, title: "Address not allowed",
                "Your address \(exchange.clientIP) may not reach \(prefix). Ask its administrator to add it to the allowlist.")
        case .banned(let until):
            reason = "banned"
            var headers = HTTPHeaders()
            headers.add(name: "retry-after", value: String(max(1, Int(until.timeIntervalSince(now).rounded(.up)))))
            respond(
                exchange, .tooManyRequests, title: "Too many failed sign-ins",
                "Too many failed sign-ins came from your address. Try again after \(until.iso8601).", headers: headers)
        case .unauthenticated, .disabledUser:
            reason = decision == .disabledUser ? "disabled" : "credential"
            respond(
                exchange, .unauthorized, title: "Sign-in failed", "The credentials were not accepted.",
                headers: exchange.tenant.map(challengeHeaders) ?? [:])
        case .forbidden(let missing):
            reason = "role"
            respond(
                exchange, .forbidden, title: "Not allowed",
                "Your account may not do this here (it needs the permission '\(missing.rawValue)').")
        case .allowed:
            return
        }
        // Failed credentials are audited as failed sign-ins where they are checked.
        if reason == "credential" { return }
        let key = "\(reason)|\(exchange.clientIP)|\(prefix)"
        guard let suppressed = shared.denials.shouldAudit(key, now: now) else { return }
        var details = ["reason": reason, "path": recordedPath(exchange)]
        if suppressed > 0 { details["suppressed_since_last"] = String(suppressed) }
        if let user = exchange.user?.qualifiedName ?? nil { details["user"] = user }
        shared.services.record(
            AuditEvent(
                time: now, actor: exchange.user.map { .user($0.qualifiedName) } ?? .anonymous, tenant: exchange.tenant?.tenant.prefix.value,
                sourceIP: exchange.clientIP.description, action: AuditAction.accessDenied, target: exchange.hostName,
                outcome: .denied, details: details))
    }

    func auditLogin(_ exchange: Exchange, outcome: CredentialOutcome, method: String, success: Bool) {
        var details = ["method": method]
        if !success {
            details["reason"] = outcome == .unknownUser ? "unknown user" : "wrong credential"
            let key = "login|\(exchange.clientIP)|\(exchange.tenant?.tenant.prefix.value ?? "-")"
            guard let suppressed = shared.denials.shouldAudit(key, now: now) else { return }
            if suppressed > 0 { details["suppressed_since_last"] = String(suppressed) }
        }
        var actor = AuditActor.anonymous
        if case .verified(let user) = outcome { actor = .user(user.qualifiedName) }
        shared.services.record(
            AuditEvent(
                time: now, actor: actor, tenant: exchange.tenant?.tenant.prefix.value, sourceIP: exchange.clientIP.description,
                action: AuditAction.authentication, target: exchange.hostName, outcome: success ? .success : .failure,
                details: details))
    }
}
