import Foundation
import GatehouseCore

/// A user with a summary of their credentials, for listings.
public struct UserSummary: Sendable {
    public let user: User
    public let hasPassword: Bool
    public let activeTokenCount: Int
    public let keyCount: Int
}

/// An API token as listed: never the token itself, only its id and last four characters.
public struct APITokenInfo: Sendable {
    public let id: Int64
    public let user: String
    public let hint: String
    public let createdAt: Date
    public let expiresAt: Date?
    public let revokedAt: Date?
    public let lastUsedAt: Date?

    public func isUsable(at now: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { $0 > now } ?? true)
    }
}

/// A newly created token: the only time the secret exists outside the caller's hands.
public struct CreatedAPIToken: Sendable {
    public let token: String
    public let info: APITokenInfo
}

public struct SSHKeyInfo: Sendable {
    public let id: Int64
    public let user: String
    public let algorithm: String
    public let fingerprint: String
    public let comment: String
    public let createdAt: Date
}
