import Foundation
import GatehouseTesting
import Testing

/// `gatehouse backup` against a real tenant database, checked with the tools a customer would use:
/// sha256sum, gunzip and sqlite3.
struct BackupCLITests {
    func shell(_ command: String, in directory: String) throws -> ProcessResult {
        try ProcessRunner.run("/bin/sh", ["-c", command], currentDirectory: directory)
    }

    /// A tenant `acme` whose database (WAL, as applications keep it) holds 2,000 invoices.
    func fixture() throws -> (CLIFixture, String) {
        let cli = CLIFixture()
        let database = cli.directory.path("acme.sqlite")
        let sqlite3 = try #require(ProcessRunner.which("sqlite3"))
        let made = try ProcessRunner.run(
            sqlite3,
            [database, "PRAGMA journal_mode=WAL; CREATE TABLE invoice(id INTEGER PRIMARY KEY, customer TEXT, total REAL);"
                + "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                + "INSERT INTO invoice(customer, total) SELECT 'customer ' || i, i * 1.5 FROM n;"])
        #expect(made.status == 0, "\(made.stderr)")
        try cli.ok("tenant", "create", "acme", "--upstream", "http://127.0.0.1:9", "--database", database)
        return (cli, database)
    }

    @Test func aBackupRestoresWithEverydayTools() throws {
        let (cli, _) = try fixture()
        let run = try cli.ok("backup", "run", "acme")
        let fileName = try #require(run.stdout.split(separator: " ").dropFirst().first.map(String.init))
        #expect(fileName.hasSuffix("-full.sqlite.gz"))
        let directory = cli.directory.path("data") + "/backups/acme"
        // The checksum file works with sha256sum -c, the file with gunzip, the database with sqlite3.
        #expect(try shell("sha256sum -c \(fileName).sha256", in: directory).status == 0)
        let restored = try shell("gunzip -c \(fileName) > /tmp/restored-$$.sqlite && sqlite3 /tmp/restored-$$.sqlite "
            + "'PRAGMA integrity_check; SELECT count(*), sum(total) FROM invoice;' && rm /tmp/restored-$$.sqlite", in: directory)
        #expect(restored.stdout == "ok\n2000|3001500.0\n", "\(restored.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: directory + "/" + fileName)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let list = try cli.ok("backup", "list", "acme", "--json")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 1 && rows.first?["file"] as? String == fileName && rows.first?["kind"] as? String == "full")
        #expect(try cli.ok("backup", "verify", "acme").stdout == "ok      \(fileName)\n")
        let audit = try cli.ok("audit", "list", "--tenant", "acme", "--json").stdout
        #expect(audit.contains("backup.run") && audit.contains("backup.verify"))

        // One changed byte: verify names the file and exits 1.
        let handle = try #require(FileHandle(forUpdatingAtPath: directory + "/" + fileName))
        try handle.seek(toOffset: 40)
        try handle.write(contentsOf: Data([0xFF, 0x00, 0xFF]))
        try handle.close()
        let broken = try cli.gatehouse.run(["backup", "verify", "acme"])
        #expect(broken.status == 1)
        #expect(broken.stdout.hasPrefix("FAILED  \(fileName): "), "\(broken.stdout)")
    }

    @Test func leftoversAndExpiredBackupsGo() throws {
        let (cli, _) = try fixture()
        let directory = cli.directory.path("data") + "/backups/acme"
        let first = try cli.ok("backup", "run", "acme").stdout.split(separator: " ")[1]
        // An interrupted run's partial file and an uncatalogued file are removed by the next run.
        try Data("partial".utf8).write(to: URL(fileURLWithPath: directory + "/.partial-crashed.sqlite.gz"))
        try Data("orphan".utf8).write(to: URL(fileURLWithPath: directory + "/20000101T000000Z-full.sqlite.gz"))
        sleep(1)  // a second later: a new file name
        _ = try cli.ok("backup", "run", "acme")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(names.count == 4, "\(names)")
        #expect(!names.contains { $0.hasPrefix(".partial") || $0.hasPrefix("20000101") })
        // Eight days later (the catalogue's clock moved back), prune removes the first backup and its checksum.
        let moved = try cli.sqlite("UPDATE backup SET createdAt = createdAt - 8 * 86400000 WHERE fileName = '\(first)'")
        #expect(moved.status == 0, "\(moved.stderr)")
        let pruned = try cli.ok("backup", "prune")
        #expect(pruned.stdout.contains("removed acme/\(first)") && pruned.stdout.hasSuffix("1 backup older than 7 days removed\n"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).count == 2)
        #expect(try cli.ok("backup", "list", "acme").stdout.components(separatedBy: "\n").filter { $0.contains(".sqlite.gz") }.count == 1)
    }

    @Test func badRequestsChangeNothing() throws {
        let (cli, _) = try fixture()
        try cli.ok("tenant", "create", "beta", "--upstream", "http://127.0.0.1:9")
        let before = try cli.snapshot()
        let cases: [([String], String)] = [
            (["backup", "run", "nobody"], "no tenant 'nobody'"),
            (["backup", "run", "beta"], "has no database to back up"),
            (["backup", "list", "nobody"], "no tenant 'nobody'"),
            (["backup", "verify", "acme"], "no backups of acme to verify"),
            (["backup", "verify", "acme", "42"], "no backup 42 of acme"),
            (["backup", "run", "Bad_Prefix"], "prefix"),
        ]
        for (arguments, message) in cases {
            let result = try cli.gatehouse.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(try cli.snapshot() == before)
    }
}

/// `gatehouse serve` backs up a tenant that has never been backed up as soon as it starts.
struct BackupSchedulerTests {
    @Test func serveMakesTheFirstFullBackupAtOnce() throws {
        let gateway = RunningGateway()
        let database = gateway.directory.path("app.sqlite")
        let sqlite3 = try #require(ProcessRunner.which("sqlite3"))
        #expect(try ProcessRunner.run(sqlite3, [database, "CREATE TABLE t(x); INSERT INTO t VALUES (42);"]).status == 0)
        #expect(try gateway.cli("tenant", "create", "acme", "--upstream", "http://127.0.0.1:9", "--database", database).status == 0)
        try gateway.start(["--backup-window", "00-01", "--backup-every", "60"])
        defer { gateway.stop() }
        #expect(eventually(within: 15) {
            (try? gateway.cli("backup", "list", "acme").stdout.contains("-full.sqlite.gz")) == true
        })
        #expect(gateway.log().contains("backup made"))
        let badWindow = try gateway.gatehouse.run(["serve", "--backup-window", "7-3", "--https-port", "0", "--no-http", "--no-sftp"])
        #expect(badWindow.status == 1 && badWindow.stderr.contains("backup window '7-3'"), "\(badWindow.stderr)")
    }
}
