import Foundation
import GRDB
import GatehouseCore

// Row types, one per table. They mirror the schema; repositories turn them into Core values.

struct TenantRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "tenant"
    var id: Int64?
    var prefix: String
    var displayName: String
    var upstream: String
    var region: String
    var databasePath: String?
    var expiresAt: Int64
    var suspendedAt: Int64?
    var createdAt: Int64

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    func tenant() throws(GatehouseError) -> Tenant {
        guard let id, let region = Region(rawValue: region) else {
            throw .environment("tenant row '\(prefix)' is corrupt (region '\(region)')")
        }
        return Tenant(
            id: id, prefix: try TenantPrefix(prefix), displayName: displayName, upstream: try UpstreamURL(upstream),
            region: region, databasePath: databasePath,
            subscription: Subscription(
                expiresAt: Date(milliseconds: expiresAt), suspendedAt: suspendedAt.map(Date.init(milliseconds:))),
            createdAt: Date(milliseconds: createdAt))
    }
}

struct UserRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "user"
    var id: Int64?
    var tenantId: Int64?
    var name: String
    var createdAt: Int64
    var disabledAt: Int64?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

struct UserRoleRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "userRole"
    var userId: Int64
    var role: String
}

struct PasswordCredentialRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "passwordCredential"
    var userId: Int64
    var hash: String
    var updatedAt: Int64
}

struct APITokenRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "apiToken"
    var id: Int64?
    var userId: Int64
    var digest: Data
    var hint: String
    var createdAt: Int64
    var expiresAt: Int64?
    var revokedAt: Int64?
    var lastUsedAt: Int64?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

struct SSHKeyRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "sshKey"
    var id: Int64?
    var userId: Int64
    var algorithm: String
    var keyBlob: Data
    var fingerprint: String
    var comment: String
    var createdAt: Int64

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

struct AllowlistRuleRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "allowlistRule"
    var id: Int64?
    var tenantId: Int64
    var userId: Int64?
    var cidr: String
    var createdAt: Int64

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

struct AuditEventRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "auditEvent"
    var sequence: Int64
    var time: Int64
    var actor: String
    var tenant: String?
    var sourceIP: String?
    var action: String
    var target: String?
    var outcome: String
    var details: String
    var previousHash: Data
    var hash: Data
    /// 16 random bytes for chain format 2; nil for events recorded before it.
    var salt: Data?
}

extension AuditEventRecord {
    /// By column, not through Decodable: exports and verification read every event.
    init(row: Row) throws {
        sequence = row["sequence"]
        time = row["time"]
        actor = row["actor"]
        tenant = row["tenant"]
        sourceIP = row["sourceIP"]
        action = row["action"]
        target = row["target"]
        outcome = row["outcome"]
        details = row["details"]
        previousHash = row["previousHash"]
        hash = row["hash"]
        salt = row["salt"]
    }
}

struct AuditCheckpointRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "auditCheckpoint"
    var id: Int64?
    var sequence: Int64
    var hash: Data
    var time: Int64
    var publicKey: Data
    var signature: Data

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// The signed head of the audit chain, rewritten with every append: deleting the newest events
/// (or appending behind the store's back) no longer matches it, and re-signing needs the sealed key.
struct AuditHeadRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "auditHead"
    var id: Int64 = 1
    var sequence: Int64
    var hash: Data
    var signature: Data

    static func signedBytes(sequence: Int64, hash: [UInt8]) -> Data {
        Data("gatehouse-audit-head-v1\n\(sequence)\n\(hash.hexString)\n".utf8)
    }
}

struct SealedSecretRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "sealedSecret"
    var name: String
    var sealed: Data
    var createdAt: Int64
}

struct CardPolicyRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "cardPolicy"
    var tenantId: Int64
    var tokenize: Bool
    var keepsBIN: Bool
    var processorURL: String?
    var keySealed: Data
    var updatedAt: Int64
}

struct BackupRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "backup"
    var id: Int64?
    var tenantId: Int64
    var kind: String
    var fileName: String
    var sizeBytes: Int64
    var sha256: String
    var createdAt: Int64

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
