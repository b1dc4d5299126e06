import Foundation
import GatehouseTesting
import Testing

struct AuditCLITests {
    func populated() throws -> CLIFixture {
        let cli = CLIFixture()
        try cli.ok("tenant", "create", "acme", "--upstream", "http://x:1")
        try cli.ok("user", "add", "acme", "alice", "--role", "user")
        try cli.ok("user", "add", "acme", "bob", "--role", "user")
        try cli.ok("allowlist", "add", "acme", "10.0.0.0/8")
        try cli.ok("user", "disable", "acme", "bob")
        return cli
    }

    @Test func listAndVerifyAnUntouchedLog() throws {
        let cli = try populated()
        let events = try #require(try cli.json(try cli.ok("audit", "list", "--json")) as? [[String: Any]])
        #expect(events.map { $0["action"] as? String } == [
            "store.initialize", "tenant.create", "user.add", "user.add", "allowlist.add", "user.disable",
        ])
        #expect(events.allSatisfy { ($0["hash"] as? String)?.count == 64 })
        #expect(events[2]["actor"] as? String == "cli:\(NSUserName())")
        let verified = try cli.ok("audit", "verify")
        #expect(verified.stdout.contains("audit log intact: 6 events"))
        let checkpoint = try cli.ok("audit", "checkpoint")
        #expect(checkpoint.stdout.contains("signed checkpoint at event 8"))
        #expect(try cli.ok("audit", "verify").stdout.contains("1 signed checkpoints"))
        #expect(try cli.ok("audit", "list", "--tenant", "acme", "--limit", "1").stdout.contains("user.disable"))
    }

    @Test func platformEventsAreListedUnderPlatform() throws {
        let cli = try populated()
        try cli.ok("user", "add", "platform", "olga", "--role", "operator")
        let platform = try #require(try cli.json(try cli.ok("audit", "list", "--tenant", "platform", "--json")) as? [[String: Any]])
        #expect(platform.map { $0["target"] as? String }.contains("platform.olga"))
        #expect(platform.allSatisfy { $0["tenant"] == nil })
        let acme = try #require(try cli.json(try cli.ok("audit", "list", "--tenant", "acme", "--json")) as? [[String: Any]])
        #expect(!acme.map { $0["target"] as? String }.contains("platform.olga"))
    }

    @Test func deletingTheNewestEventWithoutACheckpointFailsVerification() throws {
        let cli = try populated()
        let tamper = try cli.sqlite("""
            DROP TRIGGER auditEvent_appendOnly_delete;
            DELETE FROM auditEvent WHERE sequence = 6;
            """)
        #expect(tamper.status == 0)
        let result = try cli.gatehouse.run("audit", "verify")
        #expect(result.status == 1)
        #expect(result.stderr.contains("event 6 is missing: the signed chain head names event 6"), "\(result.stderr)")
    }

    @Test func anEditBehindTheStoresBackFailsVerification() throws {
        let cli = try populated()
        let tamper = try cli.sqlite("""
            DROP TRIGGER auditEvent_appendOnly_update;
            UPDATE auditEvent SET action = 'user.enable' WHERE sequence = 6;
            """)
        #expect(tamper.status == 0, "\(tamper.stderr)")
        let result = try cli.gatehouse.run("audit", "verify")
        #expect(result.status == 1)
        #expect(result.stderr.contains("audit log is NOT intact: event 6 was modified"), "\(result.stderr)")
    }

    @Test func aDeletionBehindTheStoresBackFailsVerification() throws {
        let cli = try populated()
        let tamper = try cli.sqlite("""
            DROP TRIGGER auditEvent_appendOnly_delete;
            DELETE FROM auditEvent WHERE sequence = 3;
            """)
        #expect(tamper.status == 0, "\(tamper.stderr)")
        let result = try cli.gatehouse.run("audit", "verify")
        #expect(result.status == 1)
        #expect(result.stderr.contains("event 3 is missing"), "\(result.stderr)")
    }

    @Test func deletingTheTailAfterACheckpointFailsVerification() throws {
        let cli = try populated()
        try cli.ok("audit", "checkpoint")
        let tamper = try cli.sqlite("""
            DROP TRIGGER auditEvent_appendOnly_delete;
            DELETE FROM auditEvent WHERE sequence > 5;
            """)
        #expect(tamper.status == 0)
        let result = try cli.gatehouse.run("audit", "verify")
        #expect(result.status == 1)
        #expect(result.stderr.contains("events 6 to 7 are missing"), "\(result.stderr)")
    }
}

struct ConcurrentWritersCLITests {
    /// Several `gatehouse` processes writing at once (as the CLI and a running server do) keep one
    /// unbroken chain: SQLite's immediate transactions serialise every append.
    @Test func parallelProcessesKeepOneChain() throws {
        let cli = CLIFixture()
        try cli.ok("tenant", "create", "acme", "--upstream", "http://x:1")
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for index in 0..<8 {
                let result = try? cli.gatehouse.run("user", "add", "acme", "w\(worker)-\(index)", "--role", "user")
                if result?.status != 0 { failures.add("w\(worker)-\(index): \(result?.stderr ?? "did not run")") }
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
        let verified = try cli.ok("audit", "verify")
        #expect(verified.stdout.contains("intact: 34 events"), "\(verified.stdout)")
        let users = try #require(try cli.json(try cli.ok("user", "list", "acme", "--json")) as? [[String: Any]])
        #expect(users.count == 32)
    }

    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        func add(_ item: String) { lock.withLock { items.append(item) } }
        var all: [String] { lock.withLock { items } }
    }
}
