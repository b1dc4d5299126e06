import Foundation
import GRDB
import GatehouseCore

/// What the catalogue knows of a stored certificate (the files hold the chain and sealed key).
public struct CatalogedCertificate: Sendable, Equatable {
    public enum Kind: String, Sendable { case platform, custom }
    public let hostname: String
    public let tenant: TenantPrefix?
    public let kind: Kind
    public let fingerprint: String
    public let subject: String
    public let issuer: String
    public let subjectAlternativeNames: [String]
    public let notBefore: Date
    public let notAfter: Date
    public let importedAt: Date
    public let lastExpiryWarningDays: Int?

    public init(
        hostname: String, tenant: TenantPrefix?, kind: Kind, fingerprint: String, subject: String, issuer: String,
        subjectAlternativeNames: [String], notBefore: Date, notAfter: Date, importedAt: Date, lastExpiryWarningDays: Int? = nil
    ) {
        self.hostname = hostname
        self.tenant = tenant
        self.kind = kind
        self.fingerprint = fingerprint
        self.subject = subject
        self.issuer = issuer
        self.subjectAlternativeNames = subjectAlternativeNames
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.importedAt = importedAt
        self.lastExpiryWarningDays = lastExpiryWarningDays
    }
}

extension CatalogedCertificate {
    /// Days before expiry at which a warning is raised (log line, audit event, metric).
    public static let warningThresholds = [7, 14, 30]

    /// Whole days left at `now` (negative once expired).
    public func daysLeft(at now: Date) -> Int {
        Int(floor(notAfter.timeIntervalSince(now) / 86_400))
    }

    /// The smallest warning threshold the certificate is within, or nil when it has longer.
    public func warningThreshold(at now: Date) -> Int? {
        let days = daysLeft(at: now)
        return Self.warningThresholds.first { days < $0 }
    }
}

/// The catalogue of stored certificates, with audited imports and expiry warnings.
public struct CertificateCatalog: Sendable {
    let database: AppDatabase

    /// Records an import (or replacement) after the files are written.
    public func record(_ certificate: CatalogedCertificate, warnings: [String], by actor: AuditActor) throws(GatehouseError) {
        let now = database.clock.now()
        try database.write { db in
            let tenantId = try certificate.tenant.map { prefix -> Int64 in
                guard let id = try TenantRepository.record(prefix, in: db)?.id else {
                    throw GatehouseError.notFound("no tenant '\(prefix)'")
                }
                return id
            }
            let previous = try CertificateRecord.fetchOne(db, key: certificate.hostname)
            try CertificateRecord(
                hostname: certificate.hostname, tenantId: tenantId, kind: certificate.kind.rawValue,
                fingerprint: certificate.fingerprint, subject: certificate.subject, issuer: certificate.issuer,
                subjectAlternativeNames: certificate.subjectAlternativeNames.joined(separator: ","),
                notBefore: certificate.notBefore.milliseconds, notAfter: certificate.notAfter.milliseconds,
                importedAt: now.milliseconds, lastExpiryWarningDays: nil
            ).save(db)
            var details = [
                "fingerprint": certificate.fingerprint, "not_after": certificate.notAfter.iso8601,
                "issuer": certificate.issuer, "kind": certificate.kind.rawValue,
            ]
            if let previous { details["replaced"] = previous.fingerprint }
            if !warnings.isEmpty { details["warnings"] = String(warnings.count) }
            try database.audit.append(
                AuditEvent(
                    time: now, actor: actor, tenant: certificate.tenant?.value,
                    action: previous == nil ? AuditAction.certificateImport : AuditAction.certificateReplace,
                    target: certificate.hostname, details: details), in: db)
        }
    }

    public func all() throws(GatehouseError) -> [CatalogedCertificate] {
        try database.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT certificate.*, tenant.prefix FROM certificate LEFT JOIN tenant ON tenant.id = certificate.tenantId
                ORDER BY certificate.hostname
                """)
            return try rows.map { row in
                CatalogedCertificate(
                    hostname: row["hostname"], tenant: try (row["prefix"] as String?).map { try TenantPrefix($0) },
                    kind: CatalogedCertificate.Kind(rawValue: row["kind"]) ?? .custom, fingerprint: row["fingerprint"],
                    subject: row["subject"], issuer: row["issuer"],
                    subjectAlternativeNames: (row["subjectAlternativeNames"] as String).split(separator: ",").map(String.init),
                    notBefore: Date(milliseconds: row["notBefore"]), notAfter: Date(milliseconds: row["notAfter"]),
                    importedAt: Date(milliseconds: row["importedAt"]),
                    lastExpiryWarningDays: (row["lastExpiryWarningDays"] as Int64?).map(Int.init))
            }
        }
    }

    /// Records that the `days`-day expiry warning was raised for `hostname`, with an audit event,
    /// unless it already was. Returns whether this call raised it.
    public func raiseExpiryWarning(hostname: String, days: Int) throws(GatehouseError) -> Bool {
        let now = database.clock.now()
        return try database.write { db in
            guard var record = try CertificateRecord.fetchOne(db, key: hostname) else { return false }
            if let last = record.lastExpiryWarningDays, last <= days { return false }
            record.lastExpiryWarningDays = Int64(days)
            try record.update(db)
            let prefix = try record.tenantId.flatMap { try TenantRecord.fetchOne(db, key: $0)?.prefix }
            try database.audit.append(
                AuditEvent(
                    time: now, actor: .system("certificates"), tenant: prefix, action: AuditAction.certificateExpiring,
                    target: hostname, outcome: .failure,
                    details: ["threshold_days": String(days), "not_after": Date(milliseconds: record.notAfter).iso8601]), in: db)
            return true
        }
    }
}
