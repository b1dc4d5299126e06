/// The actions that roles grant. Every authorisation check in Gatehouse asks for one of these.
public enum Permission: String, CaseIterable, Sendable, Codable {
    case useApplication = "app.use"
    case downloadBackups = "backup.download"
    case manageUsers = "users.manage"
    case manageAllowlist = "allowlist.manage"
    case manageCertificates = "certificates.manage"
    case readAudit = "audit.read"
    case exportEvidence = "evidence.export"
    case manageTenants = "tenants.manage"
}

/// The single table that maps roles to permissions.
public enum PermissionTable {
    public static let grants: [Role: Set<Permission>] = [
        .admin: [.manageUsers, .manageAllowlist, .manageCertificates, .readAudit, .downloadBackups],
        .user: [.useApplication],
        .backup: [.downloadBackups],
        .auditor: [.readAudit, .exportEvidence],
        .operator: Set(Permission.allCases),
    ]

    public static func permissions(for roles: some Sequence<Role>) -> Set<Permission> {
        roles.reduce(into: Set<Permission>()) { $0.formUnion(grants[$1] ?? []) }
    }

    /// Checked on every request: looks the permission up role by role, without building the union.
    public static func allows(_ roles: some Sequence<Role>, _ permission: Permission) -> Bool {
        roles.contains { grants[$0]?.contains(permission) == true }
    }
}
