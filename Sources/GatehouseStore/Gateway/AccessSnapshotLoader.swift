import Foundation
import GRDB
import GatehouseCore

extension AppDatabase {
    public var domains: DomainRepository { DomainRepository(database: self) }
    public var certificates: CertificateCatalog { CertificateCatalog(database: self) }
    public var sessions: SessionRepository { SessionRepository(database: self) }

    /// Bumped by triggers whenever something a running server must see changes.
    public func configurationGeneration() throws(GatehouseError) -> Int64 {
        try read { try Int64.fetchOne($0, sql: "SELECT value FROM configGeneration WHERE id = 1") ?? 0 }
    }

    /// Everything the protocol servers consult per connection, read in one transaction.
    public func accessSnapshot() throws(GatehouseError) -> AccessSnapshot {
        try read { db in
            let generation = try Int64.fetchOne(db, sql: "SELECT value FROM configGeneration WHERE id = 1") ?? 0
            var tenants: [TenantPrefix: TenantAccess] = [:]
            var prefixes: [Int64: TenantPrefix] = [:]
            var allowlists: [Int64: Allowlist] = [:]
            let userNames = try Dictionary(uniqueKeysWithValues: UserRecord.fetchAll(db).map { ($0.id!, $0) })
            for rule in try AllowlistRuleRecord.fetchAll(db) {
                guard let network = try? IPNetwork(rule.cidr) else { continue }
                if let userId = rule.userId, let user = userNames[userId], let name = try? UserName(user.name) {
                    allowlists[rule.tenantId, default: Allowlist()].userRules[name, default: []].append(network)
                } else {
                    allowlists[rule.tenantId, default: Allowlist()].tenantRules.append(network)
                }
            }
            let cardPolicies = try Dictionary(uniqueKeysWithValues: CardPolicyRecord.fetchAll(db).map { ($0.tenantId, $0) })
            for record in try TenantRecord.fetchAll(db) {
                let tenant = try record.tenant()
                prefixes[tenant.id] = tenant.prefix
                tenants[tenant.prefix] = TenantAccess(
                    tenant: tenant, allowlist: allowlists[tenant.id] ?? Allowlist(),
                    card: try cardPolicies[tenant.id].map(CardPolicyRepository.policy) ?? .standard)
            }
            var roles: [Int64: Set<Role>] = [:]
            for role in try UserRoleRecord.fetchAll(db) {
                if let value = Role(rawValue: role.role) { roles[role.userId, default: []].insert(value) }
            }
            var users: [Int64: User] = [:]
            var userIDs: [UserScope: [UserName: Int64]] = [:]
            for record in userNames.values {
                let scope: UserScope
                if let tenantId = record.tenantId {
                    guard let prefix = prefixes[tenantId] else { continue }
                    scope = .tenant(prefix)
                } else {
                    scope = .platform
                }
                guard let name = try? UserName(record.name) else { continue }
                users[record.id!] = User(
                    id: record.id!, scope: scope, name: name, roles: roles[record.id!] ?? [],
                    createdAt: Date(milliseconds: record.createdAt), disabledAt: record.disabledAt.map(Date.init(milliseconds:)))
                userIDs[scope, default: [:]][name] = record.id!
            }
            var tokens: [Data: TokenGrant] = [:]
            for token in try APITokenRecord.filter(Column("revokedAt") == nil).fetchAll(db) {
                tokens[token.digest] = TokenGrant(
                    userID: token.userId, tokenID: token.id!, expiresAt: token.expiresAt.map(Date.init(milliseconds:)))
            }
            var domains: [String: TenantPrefix] = [:]
            for domain in try DomainRecord.fetchAll(db) {
                if let prefix = prefixes[domain.tenantId] { domains[domain.hostname] = prefix }
            }
            return AccessSnapshot(
                generation: generation, tenants: tenants, users: users, userIDs: userIDs, tokens: tokens, domains: domains)
        }
    }

    /// Records that tokens were used, in one write (the gateway batches these rather than writing per request).
    public func markTokensUsed(_ tokenIDs: Set<Int64>, at time: Date) async throws {
        guard !tokenIDs.isEmpty else { return }
        try await writer.write { db in
            for id in tokenIDs {
                try db.execute(sql: "UPDATE apiToken SET lastUsedAt = ? WHERE id = ?", arguments: [time.milliseconds, id])
            }
        }
    }
}

extension SecretSealer: SecretSealing {}
