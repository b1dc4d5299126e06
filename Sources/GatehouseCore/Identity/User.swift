import Foundation

/// Which population a user belongs to: one tenant, or the platform's operators.
public enum UserScope: Hashable, Sendable, CustomStringConvertible {
    case tenant(TenantPrefix)
    case platform

    /// The word the CLI uses for the operators' scope in place of a tenant prefix.
    public static let platformKeyword = "platform"

    public init(parsing text: String) throws(GatehouseError) {
        self = text == Self.platformKeyword ? .platform : .tenant(try TenantPrefix(text))
    }

    public var description: String {
        switch self {
        case .tenant(let prefix): prefix.value
        case .platform: Self.platformKeyword
        }
    }

    /// Checks that the roles fit the scope: tenant roles for tenant users, `operator` for the platform.
    public func validate(roles: Set<Role>) throws(GatehouseError) {
        guard !roles.isEmpty else {
            throw .invalidInput("a user needs at least one role (--role admin|user|backup|auditor)")
        }
        switch self {
        case .tenant:
            if roles.contains(.operator) {
                throw .invalidInput("role 'operator' is platform-wide; add operators with 'user add platform <name>'")
            }
        case .platform:
            if roles != [.operator] {
                throw .invalidInput("platform users take the role 'operator' only; tenant roles belong to tenant users")
            }
        }
    }
}

/// A person (or integration) with their own credentials; every action is attributed to one.
public struct User: Hashable, Sendable {
    public var id: Int64
    public var scope: UserScope
    public var name: UserName
    public var roles: Set<Role>
    public var createdAt: Date
    public var disabledAt: Date?

    public init(id: Int64, scope: UserScope, name: UserName, roles: Set<Role>, createdAt: Date, disabledAt: Date?) {
        self.id = id
        self.scope = scope
        self.name = name
        self.roles = roles
        self.createdAt = createdAt
        self.disabledAt = disabledAt
    }

    public var isDisabled: Bool { disabledAt != nil }

    /// `tenant.user` or `platform.user`: how audit events and logs name the actor.
    public var qualifiedName: String { "\(scope).\(name)" }

    public func has(_ permission: Permission) -> Bool {
        !isDisabled && PermissionTable.allows(roles, permission)
    }
}
