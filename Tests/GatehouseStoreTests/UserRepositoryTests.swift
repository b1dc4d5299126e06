import Foundation
import GatehouseCore
import GatehouseStore
import GatehouseTesting
import Testing

struct UserRepositoryTests {
    @Test func namesAreUniquePerTenantNotGlobally() throws {
        let fixture = try StoreFixture()
        try fixture.makeTenant()
        try fixture.makeTenant("beta")
        try fixture.makeUser("alice")
        try fixture.makeUser("alice", in: "beta")
        let duplicate = #expect(throws: GatehouseError.self) { try fixture.makeUser("alice") }
        #expect(duplicate?.kind == .conflict)
        let op = try fixture.store.users.add(try UserName("alice"), in: .platform, roles: [.operator], by: fixture.actor)
        #expect(op.qualifiedName == "platform.alice")
        #expect(throws: GatehouseError.self) {
            _ = try fixture.store.users.add(try UserName("alice"), in: .platform, roles: [.operator], by: fixture.actor)
        }
        #expect(throws: GatehouseError.self) { try fixture.makeUser("bob", roles: [.operator]) }
        #expect(throws: GatehouseError.self) { try fixture.makeUser("bob", in: "nope") }
        #expect(try fixture.store.users.list(in: .tenant(fixture.acme)).map(\.user.name.value) == ["alice"])
    }

    @Test func passwordsVerifyInConstantTimeAndNeverRestInClear() async throws {
        let fixture = try StoreFixture()
        try fixture.makeTenant()
        try fixture.makeUser("alice")
        let password = "correct horse battery staple"
        try fixture.store.users.setPassword(password, for: try UserName("alice"), in: .tenant(fixture.acme), by: fixture.actor)
        #expect(throws: GatehouseError.self) {
            try fixture.store.users.setPassword("short", for: try UserName("alice"), in: .tenant(fixture.acme), by: fixture.actor)
        }
        let verifier = StoreCredentialVerifier(database: fixture.store)
        let alice = try UserName("alice")
        guard case .verified(let user) = try await verifier.verifyPassword(password, user: alice, scope: .tenant(fixture.acme)) else {
            Issue.record("right password not verified")
            return
        }
        #expect(user.roles == [.user])
        #expect(try await verifier.verifyPassword("wrong horse battery", user: alice, scope: .tenant(fixture.acme)) == .wrongCredential)
        #expect(try await verifier.verifyPassword(password, user: try UserName("bob"), scope: .tenant(fixture.acme)) == .unknownUser)
        #expect(try await verifier.verifyPassword(password, user: alice, scope: .tenant(try TenantPrefix("nope"))) == .unknownUser)
        #expect(try await verifier.verifyPassword(password, user: alice, scope: .platform) == .unknownUser)

        for (path, bytes) in FileManager.default.allBytes(under: URL(fileURLWithPath: fixture.dataPath)) {
            #expect(bytes.range(of: Data(password.utf8)) == nil, "password in clear in \(path)")
        }

        // An unknown user costs a full key derivation, like a wrong password: timing tells nothing.
        let clock = ContinuousClock()
        let wrong = try await clock.measure { _ = try await verifier.verifyPassword("wrong horse battery", user: alice, scope: .tenant(fixture.acme)) }
        let unknown = try await clock.measure { _ = try await verifier.verifyPassword(password, user: try UserName("nobody"), scope: .tenant(fixture.acme)) }
        #expect(unknown > wrong / 4, "unknown user took \(unknown), wrong password \(wrong)")
    }

    @Test func hashesUsePBKDF2WithAtLeast600kIterations() throws {
        let encoded = try PasswordHasher().hash("correct horse battery")
        #expect(encoded.hasPrefix("$pbkdf2-sha256$i=600000$"))
        #expect(PasswordHasher.verify("correct horse battery", against: encoded))
        #expect(!PasswordHasher.verify("correct horse batterY", against: encoded))
        // A weaker stored hash is never accepted, even if it matches.
        let weakened = encoded.replacingOccurrences(of: "i=600000", with: "i=1000")
        #expect(!PasswordHasher.verify("correct horse battery", against: weakened))
        #expect(!PasswordHasher.verify("x", against: "garbage"))
    }

    @Test func tokensAreShownOnceStoredHashedAndRevocable() async throws {
        let fixture = try StoreFixture()
        try fixture.makeTenant()
        try fixture.makeTenant("beta")
        try fixture.makeUser("alice")
        let alice = try UserName("alice")
        let scope = UserScope.tenant(fixture.acme)
        let created = try fixture.store.users.createToken(
            for: alice, in: scope, expiresAt: fixture.clock.now().addingTimeInterval(86_400), by: fixture.actor)
        #expect(APITokenFormat.looksLikeToken(created.token))
        let verifier = StoreCredentialVerifier(database: fixture.store)
        guard case .verified = try await verifier.verifyAPIToken(created.token, scope: scope) else {
            Issue.record("token not verified")
            return
        }
        #expect(try fixture.store.users.tokens(of: alice, in: scope).first?.lastUsedAt != nil)
        #expect(try await verifier.verifyAPIToken(created.token, scope: .tenant(try TenantPrefix("beta"))) == .wrongCredential)
        #expect(try await verifier.verifyAPIToken(created.token, scope: .platform) == .wrongCredential)
        let altered = String(created.token.dropLast()) + (created.token.hasSuffix("A") ? "B" : "A")
        #expect(try await verifier.verifyAPIToken(altered, scope: scope) == .wrongCredential)
        #expect(try await verifier.verifyAPIToken("not a token", scope: scope) == .wrongCredential)

        fixture.clock.advance(by: 86_400)
        #expect(try await verifier.verifyAPIToken(created.token, scope: scope) == .wrongCredential)

        let second = try fixture.store.users.createToken(for: alice, in: scope, expiresAt: nil, by: fixture.actor)
        try fixture.store.users.revokeToken(id: second.info.id, of: alice, in: scope, by: fixture.actor)
        #expect(try await verifier.verifyAPIToken(second.token, scope: scope) == .wrongCredential)
        #expect(throws: GatehouseError.self) {
            try fixture.store.users.revokeToken(id: second.info.id, of: alice, in: scope, by: fixture.actor)
        }
        #expect(throws: GatehouseError.self) {
            try fixture.store.users.revokeToken(id: 999, of: alice, in: scope, by: fixture.actor)
        }
        #expect(throws: GatehouseError.self) {
            _ = try fixture.store.users.createToken(for: alice, in: scope, expiresAt: fixture.clock.now(), by: fixture.actor)
        }
        for (path, bytes) in FileManager.default.allBytes(under: URL(fileURLWithPath: fixture.dataPath)) {
            #expect(bytes.range(of: Data(created.token.utf8)) == nil, "token in clear in \(path)")
            #expect(bytes.range(of: Data(second.token.utf8)) == nil, "token in clear in \(path)")
        }
    }

    @Test func disabledAndRemovedUsers() async throws {
        let fixture = try StoreFixture()
        try fixture.makeTenant()
        try fixture.makeUser("alice")
        let alice = try UserName("alice")
        let scope = UserScope.tenant(fixture.acme)
        let token = try fixture.store.users.createToken(for: alice, in: scope, expiresAt: nil, by: fixture.actor)
        try fixture.store.users.disable(alice, in: scope, by: fixture.actor)
        #expect(try fixture.store.users.find(alice, in: scope).isDisabled)
        #expect(throws: GatehouseError.self) { try fixture.store.users.disable(alice, in: scope, by: fixture.actor) }
        // A disabled user's token still identifies them; the access decision refuses them.
        guard case .verified(let user) = try await StoreCredentialVerifier(database: fixture.store).verifyAPIToken(token.token, scope: scope)
        else {
            Issue.record("token of disabled user not identified")
            return
        }
        #expect(!user.has(.useApplication))
        try fixture.store.users.enable(alice, in: scope, by: fixture.actor)
        try fixture.store.users.remove(alice, in: scope, by: fixture.actor)
        #expect(throws: GatehouseError.self) { _ = try fixture.store.users.find(alice, in: scope) }
        #expect(try await StoreCredentialVerifier(database: fixture.store).verifyAPIToken(token.token, scope: scope) == .wrongCredential)
        // Their history stays.
        let history = try fixture.store.audit.events(.tenant("acme")).filter { $0.event.target == "acme.alice" }.map(\.event.action)
        #expect(history == [
            AuditAction.userAdd, AuditAction.tokenCreate, AuditAction.userDisable, AuditAction.userEnable, AuditAction.userRemove,
        ])
    }

    @Test func sshKeys() async throws {
        let fixture = try StoreFixture()
        try fixture.makeTenant()
        try fixture.makeUser("alice")
        let alice = try UserName("alice")
        let scope = UserScope.tenant(fixture.acme)
        let blob: [UInt8] = [0, 0, 0, 11] + Array("ssh-ed25519".utf8) + [0, 0, 0, 32] + Array(repeating: 5, count: 32)
        let key = try SSHPublicKey(openSSHLine: "ssh-ed25519 \(Data(blob).base64EncodedString()) laptop")
        let info = try fixture.store.users.addKey(key, for: alice, in: scope, by: fixture.actor)
        #expect(info.fingerprint.hasPrefix("SHA256:"))
        #expect(!info.fingerprint.hasSuffix("="))
        #expect(throws: GatehouseError.self) { _ = try fixture.store.users.addKey(key, for: alice, in: scope, by: fixture.actor) }
        let keys = try await StoreCredentialVerifier(database: fixture.store).authorizedKeys(user: alice, scope: scope)
        #expect(keys.map(\.blob) == [key.blob])
        #expect(try fixture.store.users.keys(of: nil, in: scope).count == 1)
        try fixture.store.users.removeKey(fingerprint: info.fingerprint, of: alice, in: scope, by: fixture.actor)
        #expect(throws: GatehouseError.self) {
            try fixture.store.users.removeKey(fingerprint: info.fingerprint, of: alice, in: scope, by: fixture.actor)
        }
        #expect(try fixture.store.users.keys(of: alice, in: scope).isEmpty)
    }
}
