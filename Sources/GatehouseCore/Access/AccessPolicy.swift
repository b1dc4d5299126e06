import Foundation

/// How a credential check came out, as the protocol adapter reports it.
public enum CredentialOutcome: Sendable, Equatable {
    case verified(User)
    case unknownUser
    case wrongCredential
    case missing
}

/// The one access decision, shared by HTTPS and SFTP.
public enum AccessDecision: Sendable, Equatable {
    case allowed(User)
    /// The tenant's lifecycle forbids this now (suspended for the application, purged for everything).
    case tenantUnavailable(Subscription.State)
    /// The source address is outside the tenant's (or the user's) allowlist.
    case deniedByAllowlist
    case banned(until: Date)
    case unauthenticated(CredentialOutcome)
    case disabledUser
    case forbidden(missing: Permission)
}

/// Decides access in a fixed order: tenant lifecycle → allowlist → ban → credential → user
/// allowlist → role.
///
/// The credential is only verified once the address has passed the allowlist and the ban check,
/// so an address outside the allowlist never learns whether a user or password exists.
public enum AccessPolicy {
    public static func decide(
        source: IPAddress,
        subscription: Subscription,
        at now: Date,
        allowlist: Allowlist,
        banStatus: Defender.Status,
        required permission: Permission,
        verifyCredential: () async throws -> CredentialOutcome
    ) async rethrows -> AccessDecision {
        if let refusal = screen(
            source: source, subscription: subscription, at: now, allowlist: allowlist, banStatus: banStatus,
            required: permission)
        {
            return refusal
        }
        return authorize(try await verifyCredential(), source: source, allowlist: allowlist, required: permission)
    }

    /// The checks made before any credential is read: lifecycle, tenant allowlist, ban.
    /// Returns the refusal, or nil when the credential may be checked.
    public static func screen(
        source: IPAddress, subscription: Subscription, at now: Date, allowlist: Allowlist, banStatus: Defender.Status,
        required permission: Permission
    ) -> AccessDecision? {
        guard subscription.allows(permission, at: now) else { return .tenantUnavailable(subscription.state(at: now)) }
        guard allowlist.admitsConnection(from: source) else { return .deniedByAllowlist }
        if case .banned(let until) = banStatus { return .banned(until: until) }
        return nil
    }

    /// The checks made once the credential has been looked at: identity, user allowlist, role.
    public static func authorize(
        _ outcome: CredentialOutcome, source: IPAddress, allowlist: Allowlist, required permission: Permission
    ) -> AccessDecision {
        guard case .verified(let user) = outcome else { return .unauthenticated(outcome) }
        guard !user.isDisabled else { return .disabledUser }
        guard allowlist.admits(user.name, from: source) else { return .deniedByAllowlist }
        guard user.has(permission) else { return .forbidden(missing: permission) }
        return .allowed(user)
    }

    /// The defender event an outcome should record, if any.
    public static func defenderEvent(for decision: AccessDecision) -> DefenderEvent? {
        switch decision {
        case .unauthenticated(.unknownUser): .unknownUser
        case .unauthenticated(.wrongCredential), .disabledUser: .wrongCredential
        case .deniedByAllowlist: .deniedByAllowlist
        default: nil
        }
    }
}
