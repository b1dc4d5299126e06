import Foundation
import GatehouseCore
import GatehouseStore
import Testing

struct TenantRepositoryTests {
    @Test func createFindAndList() throws {
        let fixture = try StoreFixture()
        let created = try fixture.makeTenant()
        try fixture.makeTenant("beta")
        #expect(try fixture.store.tenants.find(fixture.acme) == created)
        #expect(try fixture.store.tenants.all().map(\.prefix.value) == ["acme", "beta"])
        #expect(created.subscription.state(at: fixture.clock.now()) == .active)
        let last = try fixture.store.audit.events().last!.event
        #expect(last.action == AuditAction.tenantCreate)
        #expect(last.tenant == "beta")
        #expect(last.actor == "cli:tester")
    }

    @Test func duplicatesAndBadInputChangeNothing() throws {
        let fixture = try StoreFixture()
        try fixture.makeTenant()
        let before = try fixture.auditCount()
        let duplicate = #expect(throws: GatehouseError.self) { try fixture.makeTenant() }
        #expect(duplicate?.kind == .conflict)
        let past = NewTenant(
            prefix: try TenantPrefix("gamma"), displayName: "G", upstream: try UpstreamURL("http://x"), region: .usEast,
            databasePath: nil, expiresAt: fixture.clock.now())
        #expect(throws: GatehouseError.self) { _ = try fixture.store.tenants.create(past, by: fixture.actor) }
        var badName = past
        badName.expiresAt = fixture.clock.now().addingTimeInterval(86_400)
        badName.displayName = "  "
        #expect(throws: GatehouseError.self) { _ = try fixture.store.tenants.create(badName, by: fixture.actor) }
        #expect(try fixture.auditCount() == before)
        #expect(try fixture.store.tenants.all().count == 1)
        let missing = #expect(throws: GatehouseError.self) { _ = try fixture.store.tenants.find(try TenantPrefix("nope")) }
        #expect(missing?.kind == .notFound)
    }

    @Test func suspendResumeAndDeleteFollowTheLifecycle() throws {
        let fixture = try StoreFixture()
        try fixture.makeTenant()
        let suspended = try fixture.store.tenants.suspend(fixture.acme, by: fixture.actor)
        #expect(suspended.subscription.state(at: fixture.clock.now()) == .suspended)
        #expect(throws: GatehouseError.self) { _ = try fixture.store.tenants.suspend(fixture.acme, by: fixture.actor) }
        let refused = #expect(throws: GatehouseError.self) {
            try fixture.store.tenants.delete(fixture.acme, force: false, by: fixture.actor)
        }
        #expect(refused?.message.contains("--force") == true)
        let resumed = try fixture.store.tenants.resume(fixture.acme, newExpiry: nil, by: fixture.actor)
        #expect(resumed.subscription.state(at: fixture.clock.now()) == .active)

        // Thirty days after a new suspension the tenant may be deleted without --force.
        _ = try fixture.store.tenants.suspend(fixture.acme, by: fixture.actor)
        fixture.clock.advance(by: 30 * 86_400)
        #expect(try fixture.store.tenants.find(fixture.acme).subscription.state(at: fixture.clock.now()) == .purged)
        #expect(throws: GatehouseError.self) { _ = try fixture.store.tenants.resume(fixture.acme, newExpiry: nil, by: fixture.actor) }
        try fixture.store.tenants.delete(fixture.acme, force: false, by: fixture.actor)
        #expect(try fixture.store.tenants.all().isEmpty)
        let actions = try fixture.store.audit.events(.tenant("acme")).map(\.event.action)
        #expect(actions == [
            AuditAction.tenantCreate, AuditAction.tenantSuspend, AuditAction.tenantResume, AuditAction.tenantSuspend,
            AuditAction.tenantDelete,
        ])
    }
}

struct AllowlistRepositoryTests {
    @Test func rulesRoundTripAndReportTheirEffect() throws {
        let fixture = try StoreFixture()
        try fixture.makeTenant()
        try fixture.makeUser("alice")
        let repository = fixture.store.allowlists
        #expect(try repository.allowlist(tenant: fixture.acme).allowsAllAddresses)
        let first = try repository.add(try IPNetwork("10.0.0.0/8"), tenant: fixture.acme, user: nil, by: fixture.actor)
        #expect(first.endedAllowAll)
        let second = try repository.add(try IPNetwork("2001:db8::/32"), tenant: fixture.acme, user: nil, by: fixture.actor)
        #expect(!second.endedAllowAll)
        let narrow = try repository.add(try IPNetwork("10.1.0.0/16"), tenant: fixture.acme, user: try UserName("alice"), by: fixture.actor)
        #expect(narrow.coveredByTenantRules)
        let outside = try repository.add(try IPNetwork("192.0.2.0/24"), tenant: fixture.acme, user: try UserName("alice"), by: fixture.actor)
        #expect(!outside.coveredByTenantRules)

        let allowlist = try repository.allowlist(tenant: fixture.acme)
        #expect(allowlist.tenantRules.map(\.description) == ["10.0.0.0/8", "2001:db8::/32"])
        #expect(allowlist.admits(try UserName("alice"), from: try IPAddress("10.1.2.3")))
        #expect(!allowlist.admits(try UserName("alice"), from: try IPAddress("10.2.2.3")))

        try repository.remove(try IPNetwork("192.0.2.0/24"), tenant: fixture.acme, user: try UserName("alice"), by: fixture.actor)
        #expect(try repository.rules(tenant: fixture.acme).count == 3)
    }

    @Test func badRequestsChangeNothing() throws {
        let fixture = try StoreFixture()
        try fixture.makeTenant()
        let repository = fixture.store.allowlists
        _ = try repository.add(try IPNetwork("10.0.0.0/8"), tenant: fixture.acme, user: nil, by: fixture.actor)
        let before = try fixture.auditCount()
        #expect(throws: GatehouseError.self) {
            try repository.add(try IPNetwork("10.0.0.0/8"), tenant: fixture.acme, user: nil, by: fixture.actor)
        }
        #expect(throws: GatehouseError.self) {
            try repository.add(try IPNetwork("10.0.0.0/8"), tenant: fixture.acme, user: try UserName("ghost"), by: fixture.actor)
        }
        #expect(throws: GatehouseError.self) {
            try repository.add(try IPNetwork("10.0.0.0/8"), tenant: try TenantPrefix("nope"), user: nil, by: fixture.actor)
        }
        #expect(throws: GatehouseError.self) {
            try repository.remove(try IPNetwork("11.0.0.0/8"), tenant: fixture.acme, user: nil, by: fixture.actor)
        }
        #expect(try fixture.auditCount() == before)
        #expect(try repository.rules(tenant: fixture.acme).count == 1)
    }
}
