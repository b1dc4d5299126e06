import Foundation
import GatehouseCore
import NIOCore
import NIOHTTP1

extension GatewayHandler {
    static let adminPrefix = "/api/v1"
    static let adminBodyLimit = 1024 * 1024

    /// `https://admin.<platform-domain>/api/v1/…`: the body is read (1 MiB at most), the caller
    /// authenticated by bearer token or Basic `<tenant>.<user>` / `platform.<user>`, then the backend answers.
    func handleAdmin(_ exchange: Exchange) {
        guard exchange.path == Self.adminPrefix || exchange.path.hasPrefix(Self.adminPrefix + "/") else {
            respondJSON(exchange, .error(404, code: "not_found", "The admin API lives under \(Self.adminPrefix)."))
            return
        }
        // Browsers send Origin (and Sec-Fetch-Site) on cross-site requests: the API is not for them.
        if let origin = exchange.head.headers.first(name: "origin"), HostRouter.normalize(URLComponents(string: origin)?.host ?? "") != exchange.hostName
            || exchange.head.headers.first(name: "sec-fetch-site") == "cross-site"
        {
            respondJSON(exchange, .error(403, code: "forbidden", "Cross-site requests to the admin API are refused."))
            return
        }
        if case .banned(let until) = shared.services.defender.admit(exchange.clientIP) {
            respondJSON(exchange, .error(429, code: "banned", "Too many failed sign-ins from your address; try again after \(until.iso8601)."))
            return
        }
        if let length = exchange.head.headers.first(name: "content-length").flatMap(Int.init), length > Self.adminBodyLimit {
            exchange.keepAlive = false
            respondJSON(exchange, .error(413, code: "too_large", "Admin requests are limited to 1 MiB."))
            return
        }
        exchange.phase = .collectingForm(.admin)
        if exchange.requestEnded { finishAdmin(exchange) }
    }

    func finishAdmin(_ exchange: Exchange) {
        let configuration = self.configuration
        switch PresentedCredential(headers: exchange.head.headers) {
        case .bearer(let token):
            let digest = tokenDigests.digest(of: token)
            guard let grant = configuration.access.tokens[digest], let user = configuration.access.users[grant.userID] else {
                adminDenied(exchange, .wrongCredential)
                return
            }
            guard admitsConnection(exchange, scope: user.scope) else { return }
            let outcome = shared.tokens.verify(token, digests: &tokenDigests, scope: user.scope, snapshot: configuration.access, now: now)
            adminAuthorize(exchange, outcome)
        case .basic(let login, let password):
            guard let dot = login.firstIndex(of: "."), let scope = try? UserScope(parsing: String(login[..<dot])),
                  let name = try? UserName(String(login[login.index(after: dot)...]))
            else {
                adminDenied(exchange, .unknownUser)
                return
            }
            // The tenant's allowlist is checked before the password is looked at.
            guard admitsConnection(exchange, scope: scope) else { return }
            let credentials = shared.services.credentials
            awaitOnLoop(exchange, { try await credentials.verifyPassword(password, user: name, scope: scope) }) { outcome in
                self.adminAuthorize(exchange, outcome)
            }
        case .session, .none, .malformed:
            var headers = HTTPHeaders()
            headers.add(name: "www-authenticate", value: "Bearer realm=\"admin\"")
            headers.add(name: "www-authenticate", value: "Basic realm=\"admin\", charset=\"UTF-8\"")
            respondJSON(
                exchange, .error(401, code: "unauthenticated", "Send an API token (Authorization: Bearer …) or Basic <tenant>.<user> credentials."),
                headers: headers)
        }
    }

    private func adminAuthorize(_ exchange: Exchange, _ outcome: CredentialOutcome) {
        guard case .verified(let user) = outcome, !user.isDisabled else {
            adminDenied(exchange, outcome == .unknownUser ? .unknownUser : .wrongCredential)
            return
        }
        exchange.user = user
        if case .tenant(let prefix) = user.scope {
            guard let access = configuration.access.tenants[prefix] else {
                adminDenied(exchange, .unknownUser)
                return
            }
            exchange.tenant = access
            // Administration stays possible while suspended (to renew, export, tidy up), not once purged.
            if !access.allowlist.admits(user.name, from: exchange.clientIP) {
                adminRefused(exchange, reason: "allowlist", .error(403, code: "forbidden", "Your address \(exchange.clientIP) is not on the allowlist of \(prefix)."))
                return
            }
            if access.tenant.subscription.state(at: now) == .purged {
                adminRefused(exchange, reason: "purged", .error(410, code: "gone", "Tenant \(prefix) has been purged."))
                return
            }
        }
        let request = adminRequest(exchange)
        guard let backend = shared.admin else {
            respondJSON(exchange, .error(503, code: "unavailable", "The admin API is not configured on this server."))
            return
        }
        awaitOnLoop(exchange, { await backend.handle(request, by: user) }) { response in
            self.respondJSON(exchange, response)
        }
    }

    /// The tenant-wide allowlist for a tenant caller, before any credential is verified.
    private func admitsConnection(_ exchange: Exchange, scope: UserScope) -> Bool {
        guard case .tenant(let prefix) = scope, let access = configuration.access.tenants[prefix] else { return true }
        if access.allowlist.admitsConnection(from: exchange.clientIP) { return true }
        exchange.tenant = access
        shared.services.defender.record(.deniedByAllowlist, from: exchange.clientIP)
        adminRefused(exchange, reason: "allowlist", .error(403, code: "forbidden", "Your address \(exchange.clientIP) is not on the allowlist of \(prefix)."))
        return false
    }

    /// A JSON refusal, audited like the gateway's other denials.
    private func adminRefused(_ exchange: Exchange, reason: String, _ response: AdminResponse) {
        respondJSON(exchange, response)
        let key = "admin-\(reason)|\(exchange.clientIP)|\(exchange.tenant?.tenant.prefix.value ?? "-")"
        guard shared.denials.shouldAudit(key, now: now) != nil else { return }
        shared.services.record(
            AuditEvent(
                time: now, actor: exchange.user.map { .user($0.qualifiedName) } ?? .anonymous,
                tenant: exchange.tenant?.tenant.prefix.value, sourceIP: exchange.clientIP.description, action: AuditAction.accessDenied,
                target: exchange.hostName, outcome: .denied, details: ["reason": reason, "path": recordedPath(exchange)]))
    }

    private func adminDenied(_ exchange: Exchange, _ outcome: CredentialOutcome) {
        if let event = AccessPolicy.defenderEvent(for: .unauthenticated(outcome)) {
            shared.services.defender.record(event, from: exchange.clientIP)
        }
        auditLogin(exchange, outcome: outcome, method: "admin-api", success: false)
        respondJSON(exchange, .error(401, code: "unauthenticated", "The credentials were not accepted."))
    }

    private func adminRequest(_ exchange: Exchange) -> AdminRequest {
        let rest = exchange.path.dropFirst(Self.adminPrefix.count)
        let segments = rest.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        var query: [String: String] = [:]
        if let question = exchange.head.uri.firstIndex(of: "?") {
            query = FormCoding.decode(String(exchange.head.uri[exchange.head.uri.index(after: question)...]))
        }
        let body = exchange.form.map { Data($0.readableBytesView) } ?? Data()
        return AdminRequest(
            method: exchange.head.method.rawValue, path: segments, query: query,
            contentType: exchange.head.headers.first(name: "content-type") ?? "", body: body, sourceIP: exchange.clientIP.description)
    }

    func respondJSON(_ exchange: Exchange, _ response: AdminResponse, headers: HTTPHeaders = [:]) {
        guard let context else { return }
        var body = context.channel.allocator.buffer(capacity: response.body.count + 1)
        body.writeBytes(response.body)
        if response.contentType == "application/json" { body.writeString("\n") }
        respond(exchange, HTTPResponseStatus(statusCode: response.status), headers: headers, bytes: body, contentType: response.contentType)
    }
}
