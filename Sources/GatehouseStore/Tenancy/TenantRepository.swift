import Foundation
import GRDB
import GatehouseCore

/// What `tenant create` supplies.
public struct NewTenant: Sendable {
    public var prefix: TenantPrefix
    public var displayName: String
    public var upstream: UpstreamURL
    public var region: Region
    public var databasePath: String?
    public var expiresAt: Date

    public init(
        prefix: TenantPrefix, displayName: String, upstream: UpstreamURL, region: Region, databasePath: String?,
        expiresAt: Date
    ) {
        self.prefix = prefix
        self.displayName = displayName
        self.upstream = upstream
        self.region = region
        self.databasePath = databasePath
        self.expiresAt = expiresAt
    }
}

/// Tenants and their lifecycle. Each change is audited in the same transaction.
public struct TenantRepository: Sendable {
    let database: AppDatabase

    public func create(_ new: NewTenant, by actor: AuditActor) throws(GatehouseError) -> Tenant {
        try Tenant.validateDisplayName(new.displayName)
        let now = database.clock.now()
        guard new.expiresAt > now else {
            throw .invalidInput("expiry \(CalendarDay(through: new.expiresAt)) is not in the future")
        }
        return try database.write { db in
            if try TenantRecord.filter(Column("prefix") == new.prefix.value).fetchCount(db) > 0 {
                throw GatehouseError.conflict("tenant '\(new.prefix)' already exists")
            }
            var record = TenantRecord(
                id: nil, prefix: new.prefix.value, displayName: new.displayName, upstream: new.upstream.description,
                region: new.region.rawValue, databasePath: new.databasePath, expiresAt: new.expiresAt.milliseconds,
                suspendedAt: nil, createdAt: now.milliseconds)
            try record.insert(db)
            try database.audit.append(
                AuditEvent(
                    time: now, actor: actor, tenant: new.prefix.value, action: AuditAction.tenantCreate,
                    target: new.prefix.value,
                    details: [
                        "region": new.region.rawValue, "upstream": new.upstream.description,
                        "expires": CalendarDay(through: new.expiresAt).description,
                        "database": new.databasePath ?? "-",
                    ]), in: db)
            return try record.tenant()
        }
    }

    public func all() throws(GatehouseError) -> [Tenant] {
        let records = try database.read { try TenantRecord.order(Column("prefix")).fetchAll($0) }
        var tenants: [Tenant] = []
        for record in records { tenants.append(try record.tenant()) }
        return tenants
    }

    public func find(_ prefix: TenantPrefix) throws(GatehouseError) -> Tenant {
        guard let tenant = try database.read({ try Self.record(prefix, in: $0) }) else {
            throw .notFound("no tenant '\(prefix)'; see 'gatehouse tenant list'")
        }
        return try tenant.tenant()
    }

    public func suspend(_ prefix: TenantPrefix, by actor: AuditActor) throws(GatehouseError) -> Tenant {
        try changeSubscription(prefix, action: AuditAction.tenantSuspend, by: actor) { subscription, now throws(GatehouseError) in
            try subscription.suspended(at: now)
        }
    }

    public func resume(_ prefix: TenantPrefix, newExpiry: Date?, by actor: AuditActor) throws(GatehouseError) -> Tenant {
        try changeSubscription(prefix, action: AuditAction.tenantResume, by: actor) { subscription, now throws(GatehouseError) in
            try subscription.resumed(at: now, newExpiry: newExpiry)
        }
    }

    /// Deletes the tenant with its users, credentials and allowlist; its audit history stays.
    /// Refused before the purge date unless `force`.
    public func delete(_ prefix: TenantPrefix, force: Bool, by actor: AuditActor) throws(GatehouseError) {
        let now = database.clock.now()
        try database.write { db in
            guard let record = try Self.record(prefix, in: db) else {
                throw GatehouseError.notFound("no tenant '\(prefix)'; see 'gatehouse tenant list'")
            }
            let tenant = try record.tenant()
            if !force && !tenant.subscription.mayPurge(at: now) {
                throw GatehouseError.refused(
                    "tenant '\(prefix)' is \(tenant.subscription.state(at: now).rawValue) and may be purged from "
                        + "\(tenant.subscription.purgeAt.iso8601); pass --force to delete it now")
            }
            let users = try UserRecord.filter(Column("tenantId") == tenant.id).fetchCount(db)
            _ = try TenantRecord.deleteOne(db, key: tenant.id)
            try database.audit.append(
                AuditEvent(
                    time: now, actor: actor, tenant: prefix.value, action: AuditAction.tenantDelete, target: prefix.value,
                    details: ["forced": String(force && !tenant.subscription.mayPurge(at: now)), "users": String(users)]),
                in: db)
        }
    }

    private func changeSubscription(
        _ prefix: TenantPrefix, action: String, by actor: AuditActor,
        _ change: (Subscription, Date) throws(GatehouseError) -> Subscription
    ) throws(GatehouseError) -> Tenant {
        let now = database.clock.now()
        return try database.write { db in
            guard var record = try Self.record(prefix, in: db) else {
                throw GatehouseError.notFound("no tenant '\(prefix)'; see 'gatehouse tenant list'")
            }
            let updated = try change(try record.tenant().subscription, now)
            record.expiresAt = updated.expiresAt.milliseconds
            record.suspendedAt = updated.suspendedAt?.milliseconds
            try record.update(db)
            try database.audit.append(
                AuditEvent(
                    time: now, actor: actor, tenant: prefix.value, action: action, target: prefix.value,
                    details: ["expires": CalendarDay(through: updated.expiresAt).description]), in: db)
            return try record.tenant()
        }
    }

    static func record(_ prefix: TenantPrefix, in db: Database) throws -> TenantRecord? {
        try TenantRecord.filter(Column("prefix") == prefix.value).fetchOne(db)
    }
}
