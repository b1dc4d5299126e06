import Crypto
import Foundation
import GRDB
import GatehouseCore

/// Users, their roles and their credentials. Each change is audited in the same transaction.
public struct UserRepository: Sendable {
    let database: AppDatabase
    var hasher = PasswordHasher()

    // MARK: Users

    public func add(_ name: UserName, in scope: UserScope, roles: Set<Role>, by actor: AuditActor) throws(GatehouseError) -> User {
        try scope.validate(roles: roles)
        let now = database.clock.now()
        return try database.write { db in
            let tenantId = try Self.tenantId(for: scope, in: db)
            if try Self.userRecord(name, tenantId: tenantId, in: db) != nil {
                throw GatehouseError.conflict("user '\(name)' already exists in \(scope)")
            }
            var record = UserRecord(id: nil, tenantId: tenantId, name: name.value, createdAt: now.milliseconds)
            try record.insert(db)
            for role in roles.sorted() {
                try UserRoleRecord(userId: record.id!, role: role.rawValue).insert(db)
            }
            try database.audit.append(
                AuditEvent(
                    time: now, actor: actor, tenant: scope.auditTenant, action: AuditAction.userAdd,
                    target: "\(scope).\(name)", details: ["roles": roles.sorted().map(\.rawValue).joined(separator: ",")]),
                in: db)
            return User(id: record.id!, scope: scope, name: name, roles: roles, createdAt: now, disabledAt: nil)
        }
    }

    public func find(_ name: UserName, in scope: UserScope) throws(GatehouseError) -> User {
        try database.read { db in try Self.user(name, in: scope, db: db) }
    }

    public func list(in scope: UserScope) throws(GatehouseError) -> [UserSummary] {
        let now = database.clock.now()
        return try database.read { db in
            let tenantId = try Self.tenantId(for: scope, in: db)
            let records = try UserRecord.filter(Column("tenantId") == tenantId).order(Column("name")).fetchAll(db)
            return try records.map { record in
                let user = try Self.user(from: record, scope: scope, db: db)
                let tokens = try APITokenRecord.filter(Column("userId") == record.id!).fetchAll(db)
                return UserSummary(
                    user: user,
                    hasPassword: try PasswordCredentialRecord.fetchOne(db, key: record.id!) != nil,
                    activeTokenCount: tokens.filter { $0.info(user: "").isUsable(at: now) }.count,
                    keyCount: try SSHKeyRecord.filter(Column("userId") == record.id!).fetchCount(db))
            }
        }
    }

    public func disable(_ name: UserName, in scope: UserScope, by actor: AuditActor) throws(GatehouseError) {
        try mutateUser(name, in: scope, action: AuditAction.userDisable, by: actor) { record, now, _ in
            guard record.disabledAt == nil else {
                throw GatehouseError.conflict("user '\(name)' in \(scope) is already disabled")
            }
            record.disabledAt = now.milliseconds
            return nil
        }
    }

    public func enable(_ name: UserName, in scope: UserScope, by actor: AuditActor) throws(GatehouseError) {
        try mutateUser(name, in: scope, action: AuditAction.userEnable, by: actor) { record, _, _ in
            guard record.disabledAt != nil else {
                throw GatehouseError.conflict("user '\(name)' in \(scope) is not disabled")
            }
            record.disabledAt = nil
            return nil
        }
    }

    /// Removes the user and every credential; audit events naming them stay.
    public func remove(_ name: UserName, in scope: UserScope, by actor: AuditActor) throws(GatehouseError) {
        let now = database.clock.now()
        try database.write { db in
            let record = try Self.requireRecord(name, in: scope, db: db)
            _ = try UserRecord.deleteOne(db, key: record.id!)
            try database.audit.append(
                AuditEvent(
                    time: now, actor: actor, tenant: scope.auditTenant, action: AuditAction.userRemove,
                    target: "\(scope).\(name)"), in: db)
        }
    }

    /// Replaces the user's roles (at least one; scope rules apply), audited with before and after.
    public func setRoles(_ roles: Set<Role>, for name: UserName, in scope: UserScope, by actor: AuditActor) throws(GatehouseError) -> User {
        try scope.validate(roles: roles)
        try mutateUser(name, in: scope, action: AuditAction.userRoles, by: actor) { record, _, db in
            let before = try UserRoleRecord.filter(Column("userId") == record.id!).fetchAll(db)
                .compactMap { Role(rawValue: $0.role) }.sorted().map(\.rawValue)
            guard Set(before) != Set(roles.map(\.rawValue)) else {
                throw GatehouseError.conflict("\(scope).\(name) already has exactly the roles \(before.joined(separator: ", "))")
            }
            try UserRoleRecord.filter(Column("userId") == record.id!).deleteAll(db)
            for role in roles.sorted() { try UserRoleRecord(userId: record.id!, role: role.rawValue).insert(db) }
            return ["from": before.joined(separator: ","), "to": roles.sorted().map(\.rawValue).joined(separator: ",")]
        }
        return try find(name, in: scope)
    }

    // MARK: Password

    /// Sets (or replaces) the password. Hashing happens before the transaction: it is slow on purpose.
    public func setPassword(_ password: String, for name: UserName, in scope: UserScope, by actor: AuditActor)
        throws(GatehouseError)
    {
        try PasswordPolicy.validate(password)
        _ = try find(name, in: scope)
        let encoded: String
        do { encoded = try hasher.hash(password) } catch {
            throw .environment("password hashing failed: \(error)")
        }
        try mutateUser(name, in: scope, action: AuditAction.passwordSet, by: actor) { record, now, db in
            let existed = try PasswordCredentialRecord.fetchOne(db, key: record.id!) != nil
            try PasswordCredentialRecord(userId: record.id!, hash: encoded, updatedAt: now.milliseconds).save(db)
            return ["replaced": String(existed)]
        }
    }

    // MARK: API tokens

    public func createToken(for name: UserName, in scope: UserScope, expiresAt: Date?, by actor: AuditActor)
        throws(GatehouseError) -> CreatedAPIToken
    {
        let now = database.clock.now()
        if let expiresAt, expiresAt <= now {
            throw .invalidInput("token expiry \(CalendarDay(through: expiresAt)) is not in the future")
        }
        var random = [UInt8](repeating: 0, count: APITokenFormat.randomByteCount)
        var generator = SystemRandomNumberGenerator()
        for index in random.indices { random[index] = generator.next() }
        let token = APITokenFormat.prefix + Data(random).base64URLEncoded
        let digest = Data(SHA256.hash(data: Data(token.utf8)))
        let hint = String(token.suffix(4))
        return try database.write { db in
            let user = try Self.requireRecord(name, in: scope, db: db)
            var record = APITokenRecord(
                id: nil, userId: user.id!, digest: digest, hint: hint, createdAt: now.milliseconds,
                expiresAt: expiresAt?.milliseconds)
            try record.insert(db)
            try database.audit.append(
                AuditEvent(
                    time: now, actor: actor, tenant: scope.auditTenant, action: AuditAction.tokenCreate,
                    target: "\(scope).\(name)",
                    details: ["token_id": String(record.id!), "expires": expiresAt.map { CalendarDay(through: $0).description } ?? "never"]),
                in: db)
            return CreatedAPIToken(token: token, info: record.info(user: "\(scope).\(name)"))
        }
    }

    public func tokens(of name: UserName, in scope: UserScope) throws(GatehouseError) -> [APITokenInfo] {
        try database.read { db in
            let user = try Self.requireRecord(name, in: scope, db: db)
            return try APITokenRecord.filter(Column("userId") == user.id!).order(Column("id")).fetchAll(db)
                .map { $0.info(user: "\(scope).\(name)") }
        }
    }

    public func revokeToken(id: Int64, of name: UserName, in scope: UserScope, by actor: AuditActor) throws(GatehouseError) {
        try mutateUser(name, in: scope, action: AuditAction.tokenRevoke, by: actor) { record, now, db in
            guard var token = try APITokenRecord.filter(Column("id") == id && Column("userId") == record.id!).fetchOne(db)
            else {
                throw GatehouseError.notFound("user '\(name)' in \(scope) has no token with id \(id); see 'user token list'")
            }
            guard token.revokedAt == nil else {
                throw GatehouseError.conflict("token \(id) of '\(name)' is already revoked")
            }
            token.revokedAt = now.milliseconds
            try token.update(db)
            return ["token_id": String(id)]
        }
    }

    // MARK: SSH keys

    public func addKey(_ key: SSHPublicKey, for name: UserName, in scope: UserScope, by actor: AuditActor)
        throws(GatehouseError) -> SSHKeyInfo
    {
        let now = database.clock.now()
        return try database.write { db in
            let user = try Self.requireRecord(name, in: scope, db: db)
            if try SSHKeyRecord.filter(Column("userId") == user.id! && Column("fingerprint") == key.fingerprint)
                .fetchCount(db) > 0
            {
                throw GatehouseError.conflict("user '\(name)' in \(scope) already has key \(key.fingerprint)")
            }
            var record = SSHKeyRecord(
                id: nil, userId: user.id!, algorithm: key.algorithm.rawValue, keyBlob: Data(key.blob),
                fingerprint: key.fingerprint, comment: key.comment, createdAt: now.milliseconds)
            try record.insert(db)
            try database.audit.append(
                AuditEvent(
                    time: now, actor: actor, tenant: scope.auditTenant, action: AuditAction.keyAdd, target: "\(scope).\(name)",
                    details: ["key_fingerprint": key.fingerprint, "key_type": key.algorithm.rawValue]), in: db)
            return record.info(user: "\(scope).\(name)")
        }
    }

    /// Keys of one user, or of every user in the scope when `name` is nil.
    public func keys(of name: UserName?, in scope: UserScope) throws(GatehouseError) -> [SSHKeyInfo] {
        try database.read { db in
            let tenantId = try Self.tenantId(for: scope, in: db)
            var users = try UserRecord.filter(Column("tenantId") == tenantId).order(Column("name")).fetchAll(db)
            if let name {
                users = users.filter { $0.name == name.value }
                guard !users.isEmpty else { throw GatehouseError.notFound("no user '\(name)' in \(scope)") }
            }
            return try users.flatMap { user in
                try SSHKeyRecord.filter(Column("userId") == user.id!).order(Column("id")).fetchAll(db)
                    .map { $0.info(user: "\(scope).\(user.name)") }
            }
        }
    }

    public func removeKey(fingerprint: String, of name: UserName, in scope: UserScope, by actor: AuditActor)
        throws(GatehouseError)
    {
        try mutateUser(name, in: scope, action: AuditAction.keyRemove, by: actor) { record, _, db in
            let deleted = try SSHKeyRecord.filter(Column("userId") == record.id! && Column("fingerprint") == fingerprint)
                .deleteAll(db)
            guard deleted > 0 else {
                throw GatehouseError.notFound("user '\(name)' in \(scope) has no key \(fingerprint); see 'user key list'")
            }
            return ["key_fingerprint": fingerprint]
        }
    }

    // MARK: Helpers

    /// Loads a user row, lets `change` edit it (returning audit details), saves it and audits.
    private func mutateUser(
        _ name: UserName, in scope: UserScope, action: String, by actor: AuditActor,
        _ change: (inout UserRecord, Date, Database) throws -> [String: String]?
    ) throws(GatehouseError) {
        let now = database.clock.now()
        try database.write { db in
            var record = try Self.requireRecord(name, in: scope, db: db)
            let details = try change(&record, now, db) ?? [:]
            try record.update(db)
            try database.audit.append(
                AuditEvent(
                    time: now, actor: actor, tenant: scope.auditTenant, action: action, target: "\(scope).\(name)",
                    details: details), in: db)
        }
    }

    static func tenantId(for scope: UserScope, in db: Database) throws -> Int64? {
        guard case .tenant(let prefix) = scope else { return nil }
        guard let tenant = try TenantRepository.record(prefix, in: db) else {
            throw GatehouseError.notFound("no tenant '\(prefix)'; see 'gatehouse tenant list'")
        }
        return tenant.id
    }

    static func userRecord(_ name: UserName, tenantId: Int64?, in db: Database) throws -> UserRecord? {
        try UserRecord.filter(Column("tenantId") == tenantId && Column("name") == name.value).fetchOne(db)
    }

    static func requireRecord(_ name: UserName, in scope: UserScope, db: Database) throws -> UserRecord {
        let tenantId = try tenantId(for: scope, in: db)
        guard let record = try userRecord(name, tenantId: tenantId, in: db) else {
            throw GatehouseError.notFound("no user '\(name)' in \(scope); see 'gatehouse user list \(scope)'")
        }
        return record
    }

    static func user(_ name: UserName, in scope: UserScope, db: Database) throws -> User {
        try user(from: try requireRecord(name, in: scope, db: db), scope: scope, db: db)
    }

    static func user(from record: UserRecord, scope: UserScope, db: Database) throws -> User {
        let roles = try UserRoleRecord.filter(Column("userId") == record.id!).fetchAll(db).compactMap { Role(rawValue: $0.role) }
        return User(
            id: record.id!, scope: scope, name: try UserName(record.name), roles: Set(roles),
            createdAt: Date(milliseconds: record.createdAt), disabledAt: record.disabledAt.map(Date.init(milliseconds:)))
    }
}

extension UserScope {
    /// The tenant column of audit events: the prefix, or nil for platform users.
    var auditTenant: String? {
        if case .tenant(let prefix) = self { return prefix.value }
        return nil
    }
}

extension APITokenRecord {
    func info(user: String) -> APITokenInfo {
        APITokenInfo(
            id: id ?? 0, user: user, hint: hint, createdAt: Date(milliseconds: createdAt),
            expiresAt: expiresAt.map(Date.init(milliseconds:)), revokedAt: revokedAt.map(Date.init(milliseconds:)),
            lastUsedAt: lastUsedAt.map(Date.init(milliseconds:)))
    }
}

extension SSHKeyRecord {
    func info(user: String) -> SSHKeyInfo {
        SSHKeyInfo(
            id: id ?? 0, user: user, algorithm: algorithm, fingerprint: fingerprint, comment: comment,
            createdAt: Date(milliseconds: createdAt))
    }
}
