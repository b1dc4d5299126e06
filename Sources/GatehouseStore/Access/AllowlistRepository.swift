import Foundation
import GRDB
import GatehouseCore

public struct AllowlistRuleInfo: Sendable {
    public let id: Int64
    public let network: IPNetwork
    /// nil for a tenant-wide rule.
    public let user: UserName?
    public let createdAt: Date
}

/// The outcome of adding a rule, with what the operator should know about it.
public struct AllowlistAddition: Sendable {
    public let rule: AllowlistRuleInfo
    /// True when this was the tenant's first tenant-wide rule: the tenant stopped admitting every address.
    public let endedAllowAll: Bool
    /// For a user rule: false when no tenant rule covers it, so it admits nothing yet.
    public let coveredByTenantRules: Bool
}

/// Per-tenant and per-user IP allowlist rules.
public struct AllowlistRepository: Sendable {
    let database: AppDatabase

    public func add(_ network: IPNetwork, tenant prefix: TenantPrefix, user: UserName?, by actor: AuditActor)
        throws(GatehouseError) -> AllowlistAddition
    {
        let now = database.clock.now()
        return try database.write { db in
            let tenantId = try Self.tenantId(prefix, in: db)
            let userId = try user.map { try UserRepository.requireRecord($0, in: .tenant(prefix), db: db).id! }
            let existing = try Self.records(tenantId: tenantId, in: db)
            if existing.contains(where: { $0.userId == userId && $0.cidr == network.description }) {
                throw GatehouseError.conflict(
                    "\(network) is already on the allowlist of \(prefix)\(user.map { " for user \($0)" } ?? "")")
            }
            let tenantRules = existing.filter { $0.userId == nil }.compactMap { try? IPNetwork($0.cidr) }
            var record = AllowlistRuleRecord(
                id: nil, tenantId: tenantId, userId: userId, cidr: network.description, createdAt: now.milliseconds)
            try record.insert(db)
            try database.audit.append(
                AuditEvent(
                    time: now, actor: actor, tenant: prefix.value, action: AuditAction.allowlistAdd,
                    target: user.map { "\(prefix).\($0)" } ?? prefix.value, details: ["cidr": network.description]),
                in: db)
            return AllowlistAddition(
                rule: AllowlistRuleInfo(id: record.id!, network: network, user: user, createdAt: now),
                endedAllowAll: user == nil && tenantRules.isEmpty,
                coveredByTenantRules: tenantRules.isEmpty || tenantRules.contains { $0.covers(network) })
        }
    }

    public func rules(tenant prefix: TenantPrefix) throws(GatehouseError) -> [AllowlistRuleInfo] {
        try database.read { db in
            let tenantId = try Self.tenantId(prefix, in: db)
            let names = try Dictionary(
                uniqueKeysWithValues: UserRecord.filter(Column("tenantId") == tenantId).fetchAll(db).map { ($0.id!, $0.name) })
            return try Self.records(tenantId: tenantId, in: db).map { record in
                AllowlistRuleInfo(
                    id: record.id!, network: try IPNetwork(record.cidr),
                    user: try record.userId.flatMap { names[$0] }.map { try UserName($0) },
                    createdAt: Date(milliseconds: record.createdAt))
            }
        }
    }

    public func allowlist(tenant prefix: TenantPrefix) throws(GatehouseError) -> Allowlist {
        var allowlist = Allowlist()
        for rule in try rules(tenant: prefix) {
            if let user = rule.user {
                allowlist.userRules[user, default: []].append(rule.network)
            } else {
                allowlist.tenantRules.append(rule.network)
            }
        }
        return allowlist
    }

    /// Removes a rule. Removing the tenant's last tenant-wide rule would admit every address, so it
    /// is refused unless `allowingEveryAddress` (fail closed).
    public func remove(
        _ network: IPNetwork, tenant prefix: TenantPrefix, user: UserName?, allowingEveryAddress: Bool = false,
        by actor: AuditActor
    ) throws(GatehouseError) {
        let now = database.clock.now()
        try database.write { db in
            let tenantId = try Self.tenantId(prefix, in: db)
            let userId = try user.map { try UserRepository.requireRecord($0, in: .tenant(prefix), db: db).id! }
            let deleted = try AllowlistRuleRecord
                .filter(Column("tenantId") == tenantId && Column("userId") == userId && Column("cidr") == network.description)
                .deleteAll(db)
            guard deleted > 0 else {
                throw GatehouseError.notFound(
                    "\(network) is not on the allowlist of \(prefix)\(user.map { " for user \($0)" } ?? ""); see 'allowlist list \(prefix)'")
            }
            let remaining = try AllowlistRuleRecord.filter(Column("tenantId") == tenantId && Column("userId") == nil).fetchCount(db)
            if user == nil && remaining == 0 && !allowingEveryAddress {
                throw GatehouseError.refused(
                    "\(network) is the last tenant-wide rule of \(prefix); without it every address is admitted. "
                        + "Add the replacement rule first, or pass --force to open \(prefix) to all addresses")
            }
            try database.audit.append(
                AuditEvent(
                    time: now, actor: actor, tenant: prefix.value, action: AuditAction.allowlistRemove,
                    target: user.map { "\(prefix).\($0)" } ?? prefix.value,
                    details: ["cidr": network.description, "tenant_rules_left": String(remaining)]), in: db)
        }
    }

    private static func tenantId(_ prefix: TenantPrefix, in db: Database) throws -> Int64 {
        guard let id = try TenantRepository.record(prefix, in: db)?.id else {
            throw GatehouseError.notFound("no tenant '\(prefix)'; see 'gatehouse tenant list'")
        }
        return id
    }

    private static func records(tenantId: Int64, in db: Database) throws -> [AllowlistRuleRecord] {
        try AllowlistRuleRecord.filter(Column("tenantId") == tenantId).order(Column("id")).fetchAll(db)
    }
}
