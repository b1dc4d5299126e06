/// What a user may do. Tenant roles apply within the user's tenant; `operator` is platform-wide.
public enum Role: String, CaseIterable, Sendable, Codable, Comparable {
    /// Manages the tenant's users, allowlist and certificates.
    case admin
    /// Uses the tenant's application through the gateway.
    case user
    /// Downloads the tenant's backups over SFTP.
    case backup
    /// Exports evidence bundles and reads the audit log.
    case auditor
    /// Runs the platform: every tenant, every permission.
    case `operator`

    public static let tenantRoles: [Role] = [.admin, .user, .backup, .auditor]

    public var isPlatformRole: Bool { self == .operator }

    public init(parsing text: String) throws(GatehouseError) {
        guard let role = Role(rawValue: text.lowercased()) else {
            let known = Role.allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalidInput("unknown role '\(text)'; choose from: \(known)")
        }
        self = role
    }

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
