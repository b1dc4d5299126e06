import Foundation
import GatehouseCore
import NIOCore
import NIOSSH

/// Who a connection signed in as; filled by the authenticator, read when a channel opens.
final class SessionIdentity: @unchecked Sendable {
    // Only touched on the connection's event loop.
    var user: User?
    var tenant: TenantPrefix?
    var userKey: String?
    /// Password and key sign-ins the delegate saw; swift-nio-ssh answers RSA key offers itself, unseen.
    var attempts = 0
}

/// Decides SSH sign-ins with the one access decision the HTTPS gateway uses: the login name
/// `<tenant>.<user>` names the tenant; its lifecycle, allowlist and the defender are checked before
/// any credential is looked at; then password or key, then the backup permission.
final class SSHAuthenticator: NIOSSHServerUserAuthenticationDelegate {
    let services: SFTPServices
    let peer: IPAddress
    let identity: SessionIdentity
    let users: ConnectionLimiter

    init(services: SFTPServices, peer: IPAddress, identity: SessionIdentity, users: ConnectionLimiter) {
        self.services = services
        self.peer = peer
        self.identity = identity
        self.users = users
    }

    var supportedAuthenticationMethods: NIOSSHAvailableUserAuthenticationMethods { [.password, .publicKey] }

    func requestReceived(request: NIOSSHUserAuthenticationRequest, responsePromise: EventLoopPromise<NIOSSHUserAuthenticationOutcome>) {
        let method: String
        switch request.request {
        case .password: method = "password"
        case .publicKey: method = "publickey"
        default:
            responsePromise.succeed(.failure)
            return
        }
        identity.attempts += 1
        guard let (prefix, name) = Self.split(request.username), let access = services.access().tenants[prefix] else {
            refuse(.unauthenticated(.unknownUser), login: request.username, tenant: nil, method: method, promise: responsePromise)
            return
        }
        let now = services.clock.now()
        if let refusal = AccessPolicy.screen(
            source: peer, subscription: access.tenant.subscription, at: now, allowlist: access.allowlist,
            banStatus: services.defender.admit(peer), required: .downloadBackups)
        {
            refuse(refusal, login: request.username, tenant: prefix, method: method, promise: responsePromise)
            return
        }
        let scope = UserScope.tenant(prefix)
        let services = services, loop = responsePromise.futureResult.eventLoop
        let check: @Sendable () async throws -> CredentialOutcome
        switch request.request {
        case .password(let password):
            check = { try await services.credentials.verifyPassword(password.password, user: name, scope: scope) }
        case .publicKey(let offered):
            let line = String(openSSHPublicKey: offered.publicKey)
            check = {
                let keys = try await services.credentials.authorizedKeys(user: name, scope: scope)
                guard let presented = try? SSHPublicKey(openSSHLine: line) else { return .wrongCredential }
                guard let user = services.access().user(name, in: scope) else { return .unknownUser }
                return keys.contains(where: { ConstantTime.equals($0.blob, presented.blob) }) ? .verified(user) : .wrongCredential
            }
        default:
            responsePromise.succeed(.failure)
            return
        }
        loop.makeFutureWithTask(check).assumeIsolated().whenComplete { result in
            let outcome = (try? result.get()) ?? .wrongCredential
            let decision = AccessPolicy.authorize(outcome, source: self.peer, allowlist: access.allowlist, required: .downloadBackups)
            guard case .allowed(let user) = decision else {
                self.refuse(decision, login: request.username, tenant: prefix, method: method, promise: responsePromise)
                return
            }
            let userKey = "\(prefix).\(user.name)"
            guard self.users.acquire(userKey) else {
                self.services.logger.warning("sftp connection refused: too many sessions for user", metadata: ["user": "\(userKey)"])
                responsePromise.succeed(.failure)
                return
            }
            self.identity.user = user
            self.identity.tenant = prefix
            self.identity.userKey = userKey
            self.services.record(
                AuditEvent(
                    time: self.services.clock.now(), actor: .user(user.qualifiedName), tenant: prefix.value, sourceIP: self.peer.description,
                    action: AuditAction.authentication, target: "sftp", details: ["method": method, "protocol": "sftp"]))
            responsePromise.succeed(.success)
        }
    }

    private func refuse(
        _ decision: AccessDecision, login: String, tenant: TenantPrefix?, method: String,
        promise: EventLoopPromise<NIOSSHUserAuthenticationOutcome>
    ) {
        if let event = AccessPolicy.defenderEvent(for: decision) { _ = services.defender.record(event, from: peer) }
        let reason: String
        switch decision {
        case .unauthenticated(.unknownUser): reason = "unknown user"
        case .unauthenticated: reason = "wrong credential"
        case .deniedByAllowlist: reason = "allowlist"
        case .banned: reason = "banned"
        case .tenantUnavailable: reason = "subscription"
        case .disabledUser: reason = "disabled"
        case .forbidden: reason = "role"
        case .allowed: reason = "-"
        }
        services.logger.info("sftp sign-in refused", metadata: ["client": "\(peer)", "reason": "\(reason)", "method": "\(method)"])
        var action = AuditAction.accessDenied
        if case .unauthenticated = decision { action = AuditAction.authentication }
        services.record(
            AuditEvent(
                time: services.clock.now(), actor: .anonymous, tenant: tenant?.value, sourceIP: peer.description, action: action,
                target: "sftp", outcome: .failure, details: ["method": method, "reason": reason, "login": String(login.prefix(100))]))
        promise.succeed(.failure)
    }

    /// `acme.alice` → (acme, alice); the tenant is everything before the first dot.
    static func split(_ login: String) -> (TenantPrefix, UserName)? {
        guard let dot = login.firstIndex(of: "."),
              let prefix = try? TenantPrefix(String(login[..<dot])),
              let name = try? UserName(String(login[login.index(after: dot)...]))
        else { return nil }
        return (prefix, name)
    }
}
