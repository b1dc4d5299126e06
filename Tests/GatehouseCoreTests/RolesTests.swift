import Foundation
import GatehouseCore
import Testing

struct RolesTests {
    @Test func permissionTable() {
        #expect(PermissionTable.allows([.admin], .manageUsers))
        #expect(PermissionTable.allows([.admin], .manageAllowlist))
        #expect(PermissionTable.allows([.admin], .manageCertificates))
        #expect(!PermissionTable.allows([.admin], .useApplication))
        #expect(PermissionTable.allows([.user], .useApplication))
        #expect(!PermissionTable.allows([.user], .downloadBackups))
        #expect(PermissionTable.allows([.backup], .downloadBackups))
        #expect(!PermissionTable.allows([.backup], .useApplication))
        #expect(PermissionTable.allows([.auditor], .exportEvidence))
        #expect(!PermissionTable.allows([.auditor], .manageUsers))
        #expect(PermissionTable.permissions(for: [.operator]) == Set(Permission.allCases))
        #expect(PermissionTable.permissions(for: []) == [])
        #expect(PermissionTable.permissions(for: [.user, .backup]) == [.useApplication, .downloadBackups])
    }

    @Test func rolesParse() throws {
        #expect(try Role(parsing: "Admin") == .admin)
        let error = #expect(throws: GatehouseError.self) { try Role(parsing: "root") }
        #expect(error?.message.contains("auditor") == true)
    }

    @Test func scopesConstrainRoles() throws {
        let tenant = UserScope.tenant(try TenantPrefix("acme"))
        try tenant.validate(roles: [.admin, .user])
        #expect(throws: GatehouseError.self) { try tenant.validate(roles: [.operator]) }
        #expect(throws: GatehouseError.self) { try tenant.validate(roles: []) }
        try UserScope.platform.validate(roles: [.operator])
        #expect(throws: GatehouseError.self) { try UserScope.platform.validate(roles: [.operator, .admin]) }
        #expect(try UserScope(parsing: "platform") == .platform)
    }

    @Test func disabledUsersHaveNoPermissions() throws {
        var user = User(
            id: 1, scope: .tenant(try TenantPrefix("acme")), name: try UserName("alice"), roles: [.user],
            createdAt: Date(), disabledAt: nil)
        #expect(user.has(.useApplication))
        user.disabledAt = Date()
        #expect(!user.has(.useApplication))
        #expect(user.qualifiedName == "acme.alice")
    }

    @Test func passwordPolicy() throws {
        try PasswordPolicy.validate("correct horse battery")
        try PasswordPolicy.validate("exactly12chr")
        #expect(throws: GatehouseError.self) { try PasswordPolicy.validate("11character") }
        #expect(throws: GatehouseError.self) { try PasswordPolicy.validate("aaaaaaaaaaaaaaaa") }
        #expect(throws: GatehouseError.self) { try PasswordPolicy.validate("has a newline\n here") }
        // The message never repeats the password.
        let error = #expect(throws: GatehouseError.self) { try PasswordPolicy.validate("tiny-secret") }
        #expect(error?.message.contains("tiny-secret") == false)
    }

    @Test func tokenShape() {
        #expect(APITokenFormat.looksLikeToken("gh_" + String(repeating: "A", count: 43)))
        #expect(!APITokenFormat.looksLikeToken("gh_" + String(repeating: "A", count: 42)))
        #expect(!APITokenFormat.looksLikeToken("xx_" + String(repeating: "A", count: 43)))
        #expect(!APITokenFormat.looksLikeToken("gh_" + String(repeating: "+", count: 43)))
    }
}
