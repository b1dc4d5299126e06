import Foundation

/// A tenant with its allowlist, as the protocol servers need it on every connection.
/// A class, though immutable: every request holds one, and a class is copied with one retain, where
/// a struct retained every reference field of the tenant, its allowlist and its card policy.
public final class TenantAccess: Sendable {
    public let tenant: Tenant
    public let allowlist: Allowlist
    public let card: CardPolicy

    public init(tenant: Tenant, allowlist: Allowlist, card: CardPolicy = .standard) {
        self.tenant = tenant
        self.allowlist = allowlist
        self.card = card
    }
}

/// An API token as the servers check it: by the SHA-256 of the presented token.
public struct TokenGrant: Sendable {
    public let userID: Int64
    public let tokenID: Int64
    public let expiresAt: Date?

    public init(userID: Int64, tokenID: Int64, expiresAt: Date?) {
        self.userID = userID
        self.tokenID = tokenID
        self.expiresAt = expiresAt
    }
}

/// An immutable picture of who may reach what, rebuilt when the store changes and swapped whole
/// (as Caddy swaps its config), so request handling never waits on the database.
public struct AccessSnapshot: Sendable {
    /// Increases with every change to tenants, users, roles, tokens, allowlists, domains, certificates.
    public let generation: Int64
    public let tenants: [TenantPrefix: TenantAccess]
    public let users: [Int64: User]
    public let userIDs: [UserScope: [UserName: Int64]]
    /// Unrevoked tokens by SHA-256 digest; expiry is checked at use.
    public let tokens: [Data: TokenGrant]
    /// Custom domains → their tenant.
    public let domains: [String: TenantPrefix]

    public init(
        generation: Int64, tenants: [TenantPrefix: TenantAccess], users: [Int64: User], userIDs: [UserScope: [UserName: Int64]],
        tokens: [Data: TokenGrant], domains: [String: TenantPrefix]
    ) {
        self.generation = generation
        self.tenants = tenants
        self.users = users
        self.userIDs = userIDs
        self.tokens = tokens
        self.domains = domains
    }

    public static let empty = AccessSnapshot(generation: -1, tenants: [:], users: [:], userIDs: [:], tokens: [:], domains: [:])

    public func user(_ name: UserName, in scope: UserScope) -> User? {
        userIDs[scope]?[name].flatMap { users[$0] }
    }
}
