import Foundation
import GatehouseCore
import NIOCore
import NIOHTTP1

extension GatewayHandler {
    /// `/_gatehouse/login` and `/_gatehouse/logout`, answered by the gateway itself (after the
    /// lifecycle, allowlist and ban checks, like everything else).
    func handleGatewayPath(_ exchange: Exchange) {
        switch (exchange.path, exchange.head.method) {
        case ("/_gatehouse/login", .GET), ("/_gatehouse/login", .HEAD):
            showLogin(exchange, failed: false, status: .ok)
        case ("/_gatehouse/login", .POST):
            startForm(exchange, .login)
        case ("/_gatehouse/logout", .POST):
            startForm(exchange, .logout)
        case ("/_gatehouse/logout", .GET):
            showLogout(exchange)
        case ("/_gatehouse/login", _), ("/_gatehouse/logout", _):
            var headers = HTTPHeaders()
            headers.add(name: "allow", value: "GET, POST")
            respond(exchange, .methodNotAllowed, title: "Method not allowed", "Use the sign-in form.", headers: headers)
        default:
            respond(exchange, .notFound, title: "Not found", "There is no such gateway page.")
        }
    }

    private func startForm(_ exchange: Exchange, _ path: GatewayPath) {
        let type = exchange.head.headers["content-type"].first?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            respond(exchange, .unsupportedMediaType, title: "Unsupported form", "Submit the form as application/x-www-form-urlencoded.")
            return
        }
        exchange.phase = .collectingForm(path)
        if exchange.requestEnded { handleForm(exchange, path: path) }
    }

    func showLogin(_ exchange: Exchange, failed: Bool, status: HTTPResponseStatus) {
        guard let access = exchange.tenant else { return }
        let csrf = RandomToken.make()
        var headers = HTTPHeaders()
        headers.add(name: "set-cookie", value: "\(GatewayHeaders.csrfCookie)=\(csrf); Path=/; Secure; HttpOnly; SameSite=Strict")
        headers.add(name: "content-security-policy", value: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
        headers.add(name: "x-frame-options", value: "DENY")
        let next = FormCoding.safeNext(FormCoding.queryValue("next", in: exchange.head.uri))
        respond(
            exchange, status, headers: headers,
            body: GatewayPages.login(tenant: access.tenant.displayName, csrf: csrf, next: next, failed: failed))
    }

    /// A page with the sign-out button; its form carries the session's own CSRF token.
    private func showLogout(_ exchange: Exchange) {
        guard let cookie = GatewayHeaders.cookie(GatewayHeaders.sessionCookie, in: exchange.head.headers),
              let session = shared.sessions.cached(cookie: cookie, now: now)
        else {
            var headers = HTTPHeaders()
            headers.add(name: "location", value: "/_gatehouse/login")
            respond(exchange, .seeOther, title: "Not signed in", "You are not signed in.", headers: headers)
            return
        }
        respond(exchange, .ok, body: GatewayPages.logout(csrf: session.csrfToken))
    }

    func handleForm(_ exchange: Exchange, path: GatewayPath) {
        if path == .admin {
            finishAdmin(exchange)
            return
        }
        let body = exchange.form.map { String(buffer: $0) } ?? ""
        let fields = FormCoding.decode(body)
        switch path {
        case .login: submitLogin(exchange, fields: fields)
        case .logout: submitLogout(exchange, fields: fields)
        case .admin: finishAdmin(exchange)
        }
    }

    private func submitLogin(_ exchange: Exchange, fields: [String: String]) {
        guard let access = exchange.tenant else { return }
        let cookie = GatewayHeaders.cookie(GatewayHeaders.csrfCookie, in: exchange.head.headers) ?? ""
        guard let submitted = fields["csrf"], !cookie.isEmpty, ConstantTime.equals(Array(submitted.utf8), Array(cookie.utf8)) else {
            respond(exchange, .forbidden, title: "Form expired", "The sign-in form expired or did not come from this site. Reload the page and try again.")
            return
        }
        let next = FormCoding.safeNext(fields["next"])
        let password = fields["password"] ?? ""
        guard let name = try? UserName(fields["username"] ?? "") else {
            loginFailed(exchange, outcome: .unknownUser)
            return
        }
        let scope = UserScope.tenant(access.tenant.prefix)
        let credentials = shared.services.credentials
        awaitOnLoop(exchange, { try await credentials.verifyPassword(password, user: name, scope: scope) }) { outcome in
            let decision = AccessPolicy.authorize(outcome, source: exchange.clientIP, allowlist: access.allowlist, required: .useApplication)
            guard case .allowed(let user) = decision else {
                if case .unauthenticated = decision {
                    self.loginFailed(exchange, outcome: outcome)
                } else {
                    self.deny(exchange, decision)
                }
                return
            }
            exchange.user = user
            self.createSession(exchange, user: user, next: next)
        }
    }

    private func loginFailed(_ exchange: Exchange, outcome: CredentialOutcome) {
        if let event = AccessPolicy.defenderEvent(for: .unauthenticated(outcome)) {
            shared.services.defender.record(event, from: exchange.clientIP)
        }
        auditLogin(exchange, outcome: outcome, method: "password", success: false)
        showLogin(exchange, failed: true, status: .unauthorized)
    }

    private func createSession(_ exchange: Exchange, user: User, next: String) {
        let sessions = shared.sessions, now = self.now, source = exchange.clientIP.description
        awaitOnLoop(exchange, { try await sessions.create(userID: user.id, now: now, sourceIP: source) }) { created in
            self.auditLogin(exchange, outcome: .verified(user), method: "password", success: true)
            var headers = HTTPHeaders()
            headers.add(
                name: "set-cookie",
                value: "\(GatewayHeaders.sessionCookie)=\(created.cookie); Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=\(Int(self.shared.settings.sessionAbsoluteTimeout))")
            headers.add(name: "set-cookie", value: "\(GatewayHeaders.csrfCookie)=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
            headers.add(name: "location", value: next)
            self.respond(exchange, .seeOther, title: "Signed in", "Continue to the application.", headers: headers)
        }
    }

    private func submitLogout(_ exchange: Exchange, fields: [String: String]) {
        guard let cookie = GatewayHeaders.cookie(GatewayHeaders.sessionCookie, in: exchange.head.headers),
              let session = shared.sessions.cached(cookie: cookie, now: now),
              let submitted = fields["csrf"], ConstantTime.equals(Array(submitted.utf8), Array(session.csrfToken.utf8))
        else {
            respond(exchange, .forbidden, title: "Not signed out", "Sign out from a page of this site.")
            return
        }
        let sessions = shared.sessions
        let user = configuration.access.users[session.userID]
        awaitOnLoop(exchange, { try await sessions.end(cookie: cookie) }) { _ in
            self.shared.services.record(
                AuditEvent(
                    time: self.now, actor: user.map { .user($0.qualifiedName) } ?? .anonymous,
                    tenant: exchange.tenant?.tenant.prefix.value, sourceIP: exchange.clientIP.description,
                    action: AuditAction.logout, target: exchange.hostName))
            var headers = HTTPHeaders()
            headers.add(name: "set-cookie", value: "\(GatewayHeaders.sessionCookie)=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0")
            headers.add(name: "location", value: "/_gatehouse/login")
            self.respond(exchange, .seeOther, title: "Signed out", "You are signed out.", headers: headers)
        }
    }
}
