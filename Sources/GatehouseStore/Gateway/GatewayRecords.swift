import Foundation
import GRDB

struct DomainRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "domain"
    var hostname: String
    var tenantId: Int64
    var createdAt: Int64
}

struct CertificateRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "certificate"
    var hostname: String
    var tenantId: Int64?
    var kind: String
    var fingerprint: String
    var subject: String
    var issuer: String
    var subjectAlternativeNames: String
    var notBefore: Int64
    var notAfter: Int64
    var importedAt: Int64
    var lastExpiryWarningDays: Int64?
}

struct SessionRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "session"
    var digest: Data
    var userId: Int64
    var csrfToken: String
    var sourceIP: String?
    var createdAt: Int64
    var lastSeenAt: Int64
    var expiresAt: Int64
}
