import Foundation

/// A signed-in browser session, known to the store only by the SHA-256 of its cookie.
public struct BrowserSession: Sendable, Equatable {
    public let digest: Data
    public let userID: Int64
    /// Guards the session's own state-changing requests (logout) against cross-site forgery.
    public let csrfToken: String
    public let createdAt: Date
    public var lastSeenAt: Date
    public let expiresAt: Date

    public init(digest: Data, userID: Int64, csrfToken: String, createdAt: Date, lastSeenAt: Date, expiresAt: Date) {
        self.digest = digest
        self.userID = userID
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
    }

    /// Live unless past its absolute expiry or idle for longer than `idleTimeout`.
    public func isLive(at now: Date, idleTimeout: TimeInterval) -> Bool {
        now < expiresAt && now.timeIntervalSince(lastSeenAt) < idleTimeout
    }
}

/// Keeps sessions so a restart, or another gateway node, keeps users signed in.
public protocol SessionStore: Sendable {
    func save(_ session: BrowserSession, sourceIP: String?) async throws
    func find(digest: Data) async throws -> BrowserSession?
    func touch(digest: Data, at time: Date) async throws
    func delete(digest: Data) async throws
}
