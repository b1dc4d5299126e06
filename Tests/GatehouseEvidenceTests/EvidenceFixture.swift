import Foundation
import GatehouseBackup
import GatehouseCore
@testable import GatehouseEvidence
import GatehouseStore
import GatehouseTLS
import GatehouseTesting
import Testing
import ZIPFoundation

/// A store on real SQLite files with a test clock at January 2027, tenants with real databases
/// backed up by the real backup engine, and the repository's Policies/.
struct EvidenceFixture {
    let directory = TemporaryDirectory("gatehouse-evidence")
    let clock = TestWallClock(EvidenceFixture.day(1, hour: 10))
    let store: AppDatabase
    let cli = AuditActor.cli("ops")
    let acme = try! TenantPrefix("acme")
    let beta = try! TenantPrefix("beta")

    init() throws {
        store = try AppDatabase.open(DataDirectory(path: directory.path("data")), clock: clock)
    }

    /// 2027-01-<day> at <hour>:00 UTC.
    static func day(_ day: Int, hour: Int = 0) -> Date {
        Date(timeIntervalSince1970: 1_798_761_600 + Double(day - 1) * 86_400 + Double(hour) * 3600)
    }

    func at(_ day: Int, hour: Int = 0) { clock.set(Self.day(day, hour: hour)) }

    static var policies: URL { RepositoryRoot.policies }

    var engine: BackupEngine {
        let audit = store.audit
        return BackupEngine(
            files: BackupFiles(root: URL(fileURLWithPath: directory.path("data/backups"))), catalog: store.backups, clock: clock,
            actor: .system("scheduler"), audit: { event throws(GatehouseError) in try audit.record(event) })
    }

    /// acme (with a database, an allowlist, two users) and beta (no database), created on day 1;
    /// acme backed up at 02:00 on days 2…10 except `missingBackupDay`, verified on day 9; bob
    /// disabled on day 3; a checkpoint on day 11.
    func seed(missingBackupDay: Int? = nil) throws {
        at(1, hour: 10)
        let database = directory.path("acme.sqlite")
        let sqlite3 = try #require(ProcessRunner.which("sqlite3"), "sqlite3 is installed by .ci/run")
        _ = try ProcessRunner.run(sqlite3, [database, "CREATE TABLE invoice (id INTEGER PRIMARY KEY, total INTEGER); INSERT INTO invoice (total) VALUES (42);"])
        for (prefix, path) in [(acme, Optional(database)), (beta, nil)] {
            _ = try store.tenants.create(
                NewTenant(
                    prefix: prefix, displayName: prefix.value, upstream: try UpstreamURL("http://127.0.0.1:9000"), region: .caCentral,
                    databasePath: path, expiresAt: Self.day(1).addingTimeInterval(365 * 86_400)),
                by: cli)
        }
        _ = try store.allowlists.add(try IPNetwork("10.0.0.0/8"), tenant: acme, user: nil, by: cli)
        _ = try store.users.add(try UserName("alice"), in: .tenant(acme), roles: [.admin], by: cli)
        _ = try store.users.add(try UserName("bob"), in: .tenant(acme), roles: [.user], by: cli)
        _ = try store.users.add(try UserName("carol"), in: .tenant(beta), roles: [.user], by: cli)
        try store.users.setPassword("correct horse battery staple", for: try UserName("alice"), in: .tenant(acme), by: cli)
        for day in 2...10 where day != missingBackupDay {
            at(day, hour: 2)
            _ = try engine.run(tenant: acme, database: database, kind: .full)
        }
        at(3, hour: 12)
        try store.users.disable(try UserName("bob"), in: .tenant(acme), by: cli)
        at(9, hour: 12)
        _ = try engine.verify(try store.backups.backups(of: acme).suffix(1))
        at(11, hour: 1)
        try store.audit.checkpoint(by: .system("test"))
        at(12)
    }

    var source: StoreEvidenceSource {
        StoreEvidenceSource(database: store, tlsSettings: ServingTLSPolicy.settings, tlsSettingsOrigin: "ServingTLSPolicy (test)")
    }

    /// Exports a bundle and returns its path.
    @discardableResult
    func export(
        _ framework: Framework = .soc2, from: Int, to: Int, tenant: TenantPrefix? = nil, name: String = UUID().uuidString
    ) throws -> URL {
        let output = URL(fileURLWithPath: directory.path("\(name).zip"))
        let period = try EvidencePeriod(from: CalendarDay(Self.day(from)), to: CalendarDay(Self.day(to)))
        _ = try EvidenceExporter(source: source).export(
            EvidenceExportRequest(
                framework: framework, period: period, tenant: tenant, policiesDirectory: Self.policies, output: output,
                generatorVersion: "test"),
            now: clock.now())
        return output
    }

    /// Every entry of a ZIP, by path.
    static func entries(_ url: URL) throws -> [String: Data] {
        let archive = try Archive(url: url, accessMode: .read)
        var entries: [String: Data] = [:]
        for entry in archive {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            entries[entry.path] = data
        }
        return entries
    }

    /// Writes a ZIP holding exactly `entries`.
    static func write(_ entries: [String: Data], to url: URL) throws {
        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create)
        for (path, data) in entries.sorted(by: { $0.key < $1.key }) {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }

    static func csv(_ data: Data?) -> [[String]] {
        String(decoding: data ?? Data(), as: UTF8.self).split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    static func controls(_ entries: [String: Data]) throws -> [String: (status: String, reason: String, failing: [String])] {
        let matrix = try JSONSerialization.jsonObject(with: try #require(entries["controls.json"])) as! [String: Any]
        var result: [String: (String, String, [String])] = [:]
        for control in matrix["controls"] as! [[String: Any]] {
            result[control["id"] as! String] = (control["status"] as! String, control["reason"] as! String, control["failing_rows"] as! [String])
        }
        return result
    }
}
