import Foundation
import GRDB
import GatehouseCore

public struct DomainInfo: Sendable {
    public let hostname: HostName
    public let tenant: TenantPrefix
    public let createdAt: Date
    /// The certificate stored for it, if one was imported.
    public let certificateFingerprint: String?
}

/// Custom domains: each hostname belongs to one tenant only.
public struct DomainRepository: Sendable {
    let database: AppDatabase

    public func add(_ hostname: HostName, to prefix: TenantPrefix, by actor: AuditActor) throws(GatehouseError) {
        guard !hostname.isWildcard else {
            throw .invalidInput("add each custom hostname itself, not a wildcard ('\(hostname)'); a wildcard certificate can then cover them")
        }
        let now = database.clock.now()
        try database.write { db in
            guard let tenant = try TenantRepository.record(prefix, in: db) else {
                throw GatehouseError.notFound("no tenant '\(prefix)'; see 'gatehouse tenant list'")
            }
            if let existing = try DomainRecord.fetchOne(db, key: hostname.value) {
                let owner = try TenantRecord.fetchOne(db, key: existing.tenantId)?.prefix ?? "?"
                throw GatehouseError.conflict(
                    owner == prefix.value ? "\(hostname) is already a domain of \(prefix)" : "\(hostname) already belongs to another tenant")
            }
            try DomainRecord(hostname: hostname.value, tenantId: tenant.id!, createdAt: now.milliseconds).insert(db)
            try database.audit.append(
                AuditEvent(time: now, actor: actor, tenant: prefix.value, action: AuditAction.domainAdd, target: hostname.value), in: db)
        }
    }

    public func list(tenant prefix: TenantPrefix?) throws(GatehouseError) -> [DomainInfo] {
        try database.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT domain.hostname, domain.createdAt, tenant.prefix, certificate.fingerprint
                FROM domain JOIN tenant ON tenant.id = domain.tenantId
                LEFT JOIN certificate ON certificate.hostname = domain.hostname
                WHERE ? IS NULL OR tenant.prefix = ?
                ORDER BY domain.hostname
                """, arguments: [prefix?.value, prefix?.value])
            return try rows.map {
                DomainInfo(
                    hostname: try HostName($0["hostname"]), tenant: try TenantPrefix($0["prefix"]),
                    createdAt: Date(milliseconds: $0["createdAt"]), certificateFingerprint: $0["fingerprint"])
            }
        }
    }

    /// The tenant a custom domain belongs to, if any.
    public func owner(of hostname: HostName) throws(GatehouseError) -> TenantPrefix? {
        try database.read { db in
            guard let record = try DomainRecord.fetchOne(db, key: hostname.value),
                  let tenant = try TenantRecord.fetchOne(db, key: record.tenantId)
            else { return nil }
            return try TenantPrefix(tenant.prefix)
        }
    }

    /// Removes the domain and its catalogued certificate; the caller removes the files.
    public func remove(_ hostname: HostName, from prefix: TenantPrefix, by actor: AuditActor) throws(GatehouseError) {
        let now = database.clock.now()
        try database.write { db in
            guard let tenant = try TenantRepository.record(prefix, in: db) else {
                throw GatehouseError.notFound("no tenant '\(prefix)'; see 'gatehouse tenant list'")
            }
            guard try DomainRecord.filter(Column("hostname") == hostname.value && Column("tenantId") == tenant.id!).deleteAll(db) > 0
            else {
                throw GatehouseError.notFound("\(hostname) is not a domain of \(prefix); see 'gatehouse domain list \(prefix)'")
            }
            _ = try CertificateRecord.deleteOne(db, key: hostname.value)
            try database.audit.append(
                AuditEvent(time: now, actor: actor, tenant: prefix.value, action: AuditAction.domainRemove, target: hostname.value), in: db)
        }
    }
}
