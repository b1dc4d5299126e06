import Crypto
import Foundation
import GatehouseCore
import Synchronization

/// Browser sessions: created at login, found by the SHA-256 of the cookie, kept in memory in front of
/// the `SessionStore` port so a page load does not wait on the database.
final class SessionCache: Sendable {
    private let cache = Mutex<[Data: BrowserSession]>([:])
    private let store: any SessionStore
    let idleTimeout: TimeInterval
    let absoluteTimeout: TimeInterval

    init(store: any SessionStore, idleTimeout: TimeInterval, absoluteTimeout: TimeInterval) {
        self.store = store
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
    }

    static func digest(of cookie: String) -> Data {
        Data(SHA256.hash(data: Data(cookie.utf8)))
    }

    /// Creates a session; returns the cookie value (shown to the browser only) and the session.
    func create(userID: Int64, now: Date, sourceIP: String) async throws -> (cookie: String, session: BrowserSession) {
        let cookie = RandomToken.make()
        let session = BrowserSession(
            digest: Self.digest(of: cookie), userID: userID, csrfToken: RandomToken.make(), createdAt: now, lastSeenAt: now,
            expiresAt: now.addingTimeInterval(absoluteTimeout))
        try await store.save(session, sourceIP: sourceIP)
        cache.withLock { $0[session.digest] = session }
        return (cookie, session)
    }

    /// The live session in memory, if any: the fast path, on the event loop.
    func cached(cookie: String, now: Date) -> BrowserSession? {
        let digest = Self.digest(of: cookie)
        return cache.withLock { sessions in
            guard var session = sessions[digest] else { return nil }
            guard session.isLive(at: now, idleTimeout: idleTimeout) else {
                sessions[digest] = nil
                return nil
            }
            session.lastSeenAt = now
            sessions[digest] = session
            return session
        }
    }

    /// Looks a session up in the store (after a restart, or one made by another node).
    func load(cookie: String, now: Date) async throws -> BrowserSession? {
        let digest = Self.digest(of: cookie)
        guard var session = try await store.find(digest: digest) else { return nil }
        guard session.isLive(at: now, idleTimeout: idleTimeout) else {
            try await store.delete(digest: digest)
            return nil
        }
        session.lastSeenAt = now
        try await store.touch(digest: digest, at: now)
        cache.withLock { $0[digest] = session }
        return session
    }

    func end(cookie: String) async throws {
        let digest = Self.digest(of: cookie)
        _ = cache.withLock { $0.removeValue(forKey: digest) }
        try await store.delete(digest: digest)
    }
}

/// 32 random bytes, base64url: session cookies and CSRF tokens.
enum RandomToken {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64URLEncoded
    }
}
