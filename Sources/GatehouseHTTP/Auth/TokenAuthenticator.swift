import Crypto
import Foundation
import GatehouseCore
import Synchronization

/// The digest of the API token a connection last presented, kept per connection: clients repeat
/// their token on every request, and hashing it each time was a measurable share of a request.
struct TokenDigestCache {
    private var token: [UInt8] = []
    private var digest = Data()

    mutating func digest(of presented: String) -> Data {
        var presented = presented
        let repeated = !token.isEmpty && presented.withUTF8 { bytes in
            token.withUnsafeBytes { ConstantTime.equals($0, UnsafeRawBufferPointer(bytes)) }
        }
        if repeated { return digest }
        token = Array(presented.utf8)
        digest = TokenAuthenticator.digest(presented)
        return digest
    }
}

/// Checks API tokens against the snapshot: a SHA-256 and a dictionary lookup, on the event loop.
/// Uses are batched and reported through `GatewayServices.tokensUsed`, not written per request.
final class TokenAuthenticator: Sendable {
    private let used = Mutex<Set<Int64>>([])

    static func digest(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }

    /// The digest comes from the connection's cache (clients repeat their token); the grant is looked
    /// up in the current snapshot each time, so revocation applies at once.
    func verify(
        _ token: String, digests: inout TokenDigestCache, scope: UserScope, snapshot: AccessSnapshot, now: Date
    ) -> CredentialOutcome {
        guard APITokenFormat.looksLikeToken(token) else { return .wrongCredential }
        let digest = digests.digest(of: token)
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
