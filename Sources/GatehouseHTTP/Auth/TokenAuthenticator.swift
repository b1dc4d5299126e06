import Crypto
import Foundation
import GatehouseCore
import Synchronization

/// Checks API tokens against the snapshot: a SHA-256 and a dictionary lookup, on the event loop.
/// Uses are batched and reported through `GatewayServices.tokensUsed`, not written per request.
final class TokenAuthenticator: Sendable {
    private let used = Mutex<Set<Int64>>([])

    static func digest(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }

    func verify(_ token: String, scope: UserScope, snapshot: AccessSnapshot, now: Date) -> CredentialOutcome {
        guard APITokenFormat.looksLikeToken(token) else { return .wrongCredential }
        let digest = Self.digest(token)
        guard let grant = snapshot.tokens[digest], let user = snapshot.users[grant.userID], user.scope == scope else {
            return .wrongCredential
        }
        if let expiresAt = grant.expiresAt, expiresAt <= now { return .wrongCredential }
        _ = used.withLock { $0.insert(grant.tokenID) }
        return .verified(user)
    }

    /// The tokens used since the last call.
    func drainUsed() -> Set<Int64> {
        used.withLock { used in
            defer { used.removeAll() }
            return used
        }
    }
}
