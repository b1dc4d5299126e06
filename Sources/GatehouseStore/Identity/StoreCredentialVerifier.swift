import Crypto
import Foundation
import GRDB
import GatehouseCore

/// Core's `CredentialVerifier` port over the store. Unknown users cost as much time as wrong
/// passwords, and secrets are compared in constant time.
public struct StoreCredentialVerifier: CredentialVerifier {
    let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    public func verifyPassword(_ password: String, user name: UserName, scope: UserScope) async throws -> CredentialOutcome {
        let found: (User, String?)? = try await database.writer.read { db in
            guard let record = try Self.userRecord(name, scope: scope, in: db) else { return nil }
            let hash = try PasswordCredentialRecord.fetchOne(db, key: record.id!)?.hash
            return (try UserRepository.user(from: record, scope: scope, db: db), hash)
        }
        // Key derivation is slow on purpose: it runs on a dispatch queue, never on the cooperative pool.
        return await Self.offloaded {
            guard let (user, hash) = found else {
                PasswordHasher.verifyAgainstDummy(password)
                return .unknownUser
            }
            guard let hash else {
                PasswordHasher.verifyAgainstDummy(password)
                return .wrongCredential
            }
            return PasswordHasher.verify(password, against: hash) ? .verified(user) : .wrongCredential
        }
    }

    public static func offloaded<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
    }

    public func verifyAPIToken(_ token: String, scope: UserScope) async throws -> CredentialOutcome {
        guard APITokenFormat.looksLikeToken(token) else { return .wrongCredential }
        let digest = Data(SHA256.hash(data: Data(token.utf8)))
        let now = database.clock.now()
        return try await database.writer.write { db in
            // The digest is a unique index: the lookup reveals nothing about other tokens.
            guard var record = try APITokenRecord.filter(Column("digest") == digest).fetchOne(db),
                  ConstantTime.equals(record.digest, digest),
                  let userRecord = try UserRecord.fetchOne(db, key: record.userId)
            else { return .wrongCredential }
            guard let owner = try Self.userRecord(try UserName(userRecord.name), scope: scope, in: db),
                  owner.id == userRecord.id, record.info(user: "").isUsable(at: now)
            else {
                return .wrongCredential
            }
            record.lastUsedAt = now.milliseconds
            try record.update(db)
            return .verified(try UserRepository.user(from: userRecord, scope: scope, db: db))
        }
    }

    public func authorizedKeys(user name: UserName, scope: UserScope) async throws -> [SSHPublicKey] {
        try await database.writer.read { db in
            guard let record = try Self.userRecord(name, scope: scope, in: db) else { return [] }
            return try SSHKeyRecord.filter(Column("userId") == record.id!).fetchAll(db).compactMap {
                try? SSHPublicKey(openSSHLine: "\($0.algorithm) \($0.keyBlob.base64EncodedString())")
            }
        }
    }

    /// The user's row, or nil when the tenant or the user does not exist (both are "unknown user").
    static func userRecord(_ name: UserName, scope: UserScope, in db: Database) throws -> UserRecord? {
        switch scope {
        case .platform:
            return try UserRepository.userRecord(name, tenantId: nil, in: db)
        case .tenant(let prefix):
            guard let tenant = try TenantRepository.record(prefix, in: db) else { return nil }
            return try UserRepository.userRecord(name, tenantId: tenant.id, in: db)
        }
    }
}
