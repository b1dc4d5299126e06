import Foundation
import GatehouseCore
import GatehouseStore
import GatehouseTesting
import Testing

/// A store on a real SQLite file in a temporary data directory, with a test clock.
struct StoreFixture {
    let directory = TemporaryDirectory("gatehouse-store")
    let clock = TestWallClock(Date(timeIntervalSince1970: 1_800_000_000))
    let store: AppDatabase
    let actor = AuditActor.cli("tester")
    let acme = try! TenantPrefix("acme")

    init() throws {
        store = try AppDatabase.open(DataDirectory(path: directory.path("data")), clock: clock)
    }

    var dataPath: String { directory.path("data") }

    /// Creates tenant `prefix` expiring a year after the clock's now.
    @discardableResult
    func makeTenant(_ prefix: String = "acme") throws -> Tenant {
        try store.tenants.create(
            NewTenant(
                prefix: try TenantPrefix(prefix), displayName: prefix.capitalized,
                upstream: try UpstreamURL("http://127.0.0.1:9000"), region: .caCentral, databasePath: nil,
                expiresAt: clock.now().addingTimeInterval(365 * 86_400)),
            by: actor)
    }

    @discardableResult
    func makeUser(_ name: String, roles: Set<Role> = [.user], in prefix: String = "acme") throws -> User {
        try store.users.add(try UserName(name), in: .tenant(try TenantPrefix(prefix)), roles: roles, by: actor)
    }

    func auditCount() throws -> Int { try store.audit.events().count }

    /// Runs SQL with the real sqlite3 client, behind the store's back.
    func sqlite(_ sql: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let sqlite3 = try #require(ProcessRunner.which("sqlite3"), "sqlite3 is installed by .ci/run", sourceLocation: sourceLocation)
        let result = try ProcessRunner.run(sqlite3, [dataPath + "/gatehouse.sqlite", sql])
        #expect(result.status == 0, "sqlite3 failed: \(result.stderr)", sourceLocation: sourceLocation)
    }

    /// One value read with the real sqlite3 client.
    func sqliteValue(_ sql: String) throws -> String? {
        let sqlite3 = try #require(ProcessRunner.which("sqlite3"))
        let value = try ProcessRunner.run(sqlite3, [dataPath + "/gatehouse.sqlite", sql]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }
}
