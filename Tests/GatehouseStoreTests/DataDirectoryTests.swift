import Foundation
import GatehouseCore
import GatehouseStore
import GatehouseTesting
import Testing

struct DataDirectoryTests {
    func mode(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue
    }

    @Test func firstOpenCreatesPrivateDirectoryKeyAndWALDatabase() throws {
        let fixture = try StoreFixture()
        #expect(try mode(fixture.dataPath) == 0o700)
        #expect(try mode(fixture.dataPath + "/master.key") == 0o600)
        #expect(try Data(contentsOf: URL(fileURLWithPath: fixture.dataPath + "/master.key")).count == 32)
        #expect(try fixture.store.journalMode() == "wal")
        #expect(try mode(fixture.dataPath + "/gatehouse.sqlite") == 0o600)
        let events = try fixture.store.audit.events()
        #expect(events.first?.event.action == AuditAction.storeInitialized)
    }

    @Test func foreignKeysAreEnforced() throws {
        let fixture = try StoreFixture()
        try fixture.makeTenant()
        try fixture.makeUser("alice")
        try fixture.store.tenants.delete(fixture.acme, force: true, by: fixture.actor)
        // Cascades removed the user; re-creating the tenant starts with no users.
        try fixture.makeTenant()
        #expect(try fixture.store.users.list(in: .tenant(fixture.acme)).isEmpty)
    }

    @Test func keyReadableByOthersIsRefusedWithTheFix() throws {
        let fixture = try StoreFixture()
        let keyPath = fixture.dataPath + "/master.key"
        chmod(keyPath, 0o644)
        let error = #expect(throws: GatehouseError.self) {
            _ = try AppDatabase.open(DataDirectory(path: fixture.dataPath))
        }
        #expect(error?.message.contains(keyPath) == true)
        #expect(error?.message.contains("chmod 600") == true)
        chmod(keyPath, 0o640)
        #expect(throws: GatehouseError.self) { _ = try AppDatabase.open(DataDirectory(path: fixture.dataPath)) }
        chmod(keyPath, 0o600)
        _ = try AppDatabase.open(DataDirectory(path: fixture.dataPath))
    }

    @Test func aLostKeyIsNotSilentlyReplaced() throws {
        let fixture = try StoreFixture()
        let keyPath = fixture.dataPath + "/master.key"
        try FileManager.default.removeItem(atPath: keyPath)
        let error = #expect(throws: GatehouseError.self) { _ = try AppDatabase.open(DataDirectory(path: fixture.dataPath)) }
        #expect(error?.message.contains("master key \(keyPath) is missing but the database") == true)
        #expect(!FileManager.default.fileExists(atPath: keyPath))
    }

    @Test func truncatedKeyIsRefused() throws {
        let fixture = try StoreFixture()
        let keyPath = fixture.dataPath + "/master.key"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: keyPath))
        chmod(keyPath, 0o600)
        let error = #expect(throws: GatehouseError.self) { _ = try AppDatabase.open(DataDirectory(path: fixture.dataPath)) }
        #expect(error?.message.contains("3 bytes") == true)
    }

    @Test func aFileWhereTheDirectoryShouldBeIsRefused() throws {
        let directory = TemporaryDirectory()
        _ = FileManager.default.createFile(atPath: directory.path("file"), contents: Data("x".utf8))
        let error = #expect(throws: GatehouseError.self) { _ = try AppDatabase.open(DataDirectory(path: directory.path("file"))) }
        #expect(error?.message.contains("not a directory") == true)
    }

    @Test func sealedSecretsNeedTheSameMasterKey() throws {
        let fixture = try StoreFixture()
        _ = try fixture.store.audit.checkpoint(by: fixture.actor)
        // Replace the master key: the sealed signing key no longer opens, and the error says why.
        var other = [UInt8](repeating: 0, count: 32)
        for index in other.indices { other[index] = UInt8(index) }
        let keyPath = fixture.dataPath + "/master.key"
        try Data(other).write(to: URL(fileURLWithPath: keyPath))
        chmod(keyPath, 0o600)
        let reopened = try AppDatabase.open(DataDirectory(path: fixture.dataPath))
        let error = #expect(throws: GatehouseError.self) { _ = try reopened.audit.checkpoint(by: fixture.actor) }
        #expect(error?.message.contains("master key") == true)
    }
}
