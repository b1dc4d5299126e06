import Foundation
import GatehouseTesting
import Testing

struct TenantCLITests {
    @Test func createListShowAndJSON() throws {
        let cli = CLIFixture()
        let created = try cli.ok(
            "tenant", "create", "acme", "--upstream", "http://127.0.0.1:9000", "--region", "eu-west", "--expires", "2099-12-31",
            "--name", "Acme Corp")
        #expect(created.stdout.contains("created tenant acme"))
        #expect(created.stderr.contains("admits connections from every IP address until its first allowlist rule"))
        try cli.ok("tenant", "create", "beta-co", "--upstream", "https://erp.example.com")

        let table = try cli.ok("tenant", "list").stdout
        #expect(table.contains("PREFIX"))
        #expect(table.contains("acme") && table.contains("beta-co"))
        #expect(table.contains("all addresses"))

        let list = try #require(try cli.json(try cli.ok("tenant", "list", "--json")) as? [[String: Any]])
        #expect(list.map { $0["prefix"] as? String } == ["acme", "beta-co"])
        #expect(list[0]["region"] as? String == "eu-west")
        #expect(list[0]["expires"] as? String == "2099-12-31")
        #expect(list[0]["state"] as? String == "active")
        #expect(list[1]["region"] as? String == "ca-central")

        let shown = try #require(try cli.json(try cli.ok("tenant", "show", "acme", "--json")) as? [String: Any])
        #expect(shown["name"] as? String == "Acme Corp")
        // Valid through 2099-12-31: suspended from 2100-01-01T00:00Z, purge 30 days later.
        #expect(shown["purgeFrom"] as? String == "2100-01-31T00:00:00Z")
        #expect(try cli.ok("tenant", "show", "acme").stdout.contains("Acme Corp"))
    }

    @Test func databaseMustBeASQLiteFile() throws {
        let cli = CLIFixture()
        let tenantDatabase = cli.directory.path("acme.sqlite")
        _ = try ProcessRunner.run(try #require(ProcessRunner.which("sqlite3")), [tenantDatabase, "CREATE TABLE t(x); INSERT INTO t VALUES (1);"])
        try cli.ok("tenant", "create", "acme", "--upstream", "http://x:1", "--database", tenantDatabase)
        let shown = try #require(try cli.json(try cli.ok("tenant", "show", "acme", "--json")) as? [String: Any])
        #expect(shown["database"] as? String == tenantDatabase)

        _ = FileManager.default.createFile(atPath: cli.directory.path("notes.txt"), contents: Data("hello".utf8))
        let result = try cli.gatehouse.run("tenant", "create", "beta", "--upstream", "http://x:1", "--database", cli.directory.path("notes.txt"))
        #expect(result.status == 1)
        #expect(result.stderr.contains("is not a SQLite database file"))
    }

    @Test func suspendResumeDelete() throws {
        let cli = CLIFixture()
        try cli.ok("tenant", "create", "acme", "--upstream", "http://x:1")
        let suspended = try cli.ok("tenant", "suspend", "acme")
        #expect(suspended.stdout.contains("suspended acme"))
        #expect(try cli.ok("tenant", "list").stdout.contains("suspended"))
        let refused = try cli.gatehouse.run("tenant", "delete", "acme")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--force"))
        try cli.ok("tenant", "resume", "acme")
        #expect(try cli.ok("tenant", "list").stdout.contains("active"))
        try cli.ok("user", "add", "acme", "alice", "--role", "user")
        let deleted = try cli.ok("tenant", "delete", "acme", "--force")
        #expect(deleted.stdout.contains("audit history is kept"))
        #expect(try cli.ok("tenant", "list").stdout.contains("no tenants yet"))
        let audit = try cli.ok("audit", "list", "--tenant", "acme").stdout
        for action in ["tenant.create", "tenant.suspend", "tenant.resume", "user.add", "tenant.delete"] {
            #expect(audit.contains(action), "\(action) missing from audit")
        }
    }
}
