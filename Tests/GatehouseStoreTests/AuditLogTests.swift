import Crypto
import Foundation
import GatehouseCore
import GatehouseStore
import GatehouseTesting
import Testing

/// Tampering is done with the real `sqlite3` client, behind the store's back.
struct AuditLogTests {
    /// A store with 12 events: initialisation, a tenant, users, credentials and allowlist changes.
    func populated() throws -> StoreFixture {
        let fixture = try StoreFixture()
        try fixture.makeTenant()
        for name in ["alice", "bob", "carol", "dave"] {
            try fixture.makeUser(name)
            fixture.clock.advance(by: 1)
        }
        for cidr in ["10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32"] {
            _ = try fixture.store.allowlists.add(try IPNetwork(cidr), tenant: fixture.acme, user: nil, by: fixture.actor)
        }
        try fixture.makeTenant("beta")
        _ = try fixture.store.tenants.suspend(try TenantPrefix("beta"), by: fixture.actor)
        #expect(try fixture.auditCount() == 11)
        return fixture
    }

    @Test func untouchedLogVerifies() throws {
        let fixture = try populated()
        _ = try fixture.store.audit.checkpoint(by: fixture.actor)
        let result = try fixture.store.audit.verify()
        #expect(result.isIntact, "\(result.problem ?? "")")
        #expect(result.eventCount == 12)
        #expect(result.checkpointCount == 1)
        #expect(result.lastSequence == 12)
    }

    @Test func eachEventLinksToThePreviousHash() throws {
        let fixture = try populated()
        let events = try fixture.store.audit.events()
        #expect(events.map(\.sequence) == Array(1...11))
        #expect(Set(events.map(\.hash)).count == events.count)
    }

    @Test func theStoreItselfRefusesToEditOrDeleteEvents() throws {
        let fixture = try populated()
        let sqlite3 = try #require(ProcessRunner.which("sqlite3"))
        let update = try ProcessRunner.run(sqlite3, [fixture.dataPath + "/gatehouse.sqlite", "UPDATE auditEvent SET actor = 'x' WHERE sequence = 3"])
        #expect(update.status != 0)
        #expect(update.stderr.contains("append-only"))
        let delete = try ProcessRunner.run(sqlite3, [fixture.dataPath + "/gatehouse.sqlite", "DELETE FROM auditEvent WHERE sequence = 3"])
        #expect(delete.status != 0)
        #expect(try fixture.store.audit.verify().isIntact)
    }

    @Test func anEditedEventIsNamed() throws {
        let fixture = try populated()
        try fixture.sqlite("""
            DROP TRIGGER auditEvent_appendOnly_update;
            UPDATE auditEvent SET actor = 'cli:someone-else' WHERE sequence = 5;
            """)
        let result = try fixture.store.audit.verify()
        #expect(!result.isIntact)
        #expect(result.problem?.contains("event 5 was modified") == true)
    }

    @Test func anEditedDetailIsNamed() throws {
        let fixture = try populated()
        try fixture.sqlite("""
            DROP TRIGGER auditEvent_appendOnly_update;
            UPDATE auditEvent SET details = '{"cidr":"0.0.0.0/0"}' WHERE sequence = 8;
            """)
        #expect(try fixture.store.audit.verify().problem?.contains("event 8 was modified") == true)
    }

    @Test func aDeletedEventIsNamed() throws {
        let fixture = try populated()
        try fixture.sqlite("""
            DROP TRIGGER auditEvent_appendOnly_delete;
            DELETE FROM auditEvent WHERE sequence = 6;
            """)
        let problem = try fixture.store.audit.verify().problem
        #expect(problem?.contains("event 6 is missing") == true, "\(problem ?? "nil")")
    }

    @Test func aDeletedAndRenumberedEventBreaksTheLink() throws {
        let fixture = try populated()
        try fixture.sqlite("""
            DROP TRIGGER auditEvent_appendOnly_delete;
            DROP TRIGGER auditEvent_appendOnly_update;
            DELETE FROM auditEvent WHERE sequence = 6;
            UPDATE auditEvent SET sequence = sequence - 1 WHERE sequence > 6;
            """)
        let problem = try fixture.store.audit.verify().problem
        #expect(problem?.contains("event 6") == true, "\(problem ?? "nil")")
    }

    @Test func aTruncatedTailIsCaughtByTheSignedCheckpoint() throws {
        let fixture = try populated()
        _ = try fixture.store.audit.checkpoint(by: fixture.actor)
        try fixture.sqlite("""
            DROP TRIGGER auditEvent_appendOnly_delete;
            DELETE FROM auditEvent WHERE sequence >= 10;
            """)
        let problem = try fixture.store.audit.verify().problem
        #expect(problem?.contains("events 10 to 12 are missing") == true, "\(problem ?? "nil")")
    }

    @Test func aRewrittenChainIsCaughtByTheSignedCheckpoint() throws {
        // An attacker edits event 5 and recomputes every later hash (in format 1, dropping the salts,
        // as one without them would), so the chain alone looks intact; the signed checkpoint still
        // holds the old head.
        let fixture = try populated()
        _ = try fixture.store.audit.checkpoint(by: fixture.actor)
        var previous = try fixture.store.audit.events()[3].hash
        var statements = ["DROP TRIGGER auditEvent_appendOnly_update;"]
        for stored in try fixture.store.audit.events().dropFirst(4) {
            var event = stored.event
            if stored.sequence == 5 { event.actor = "cli:someone-else" }
            var hasher = SHA256()
            hasher.update(data: previous)
            hasher.update(data: event.canonicalBytes(sequence: stored.sequence))
            let hash = Array(hasher.finalize())
            statements.append(
                "UPDATE auditEvent SET actor = '\(event.actor)', previousHash = X'\(previous.hexString)', hash = X'\(hash.hexString)', salt = NULL WHERE sequence = \(stored.sequence);")
            previous = hash
        }
        try fixture.sqlite(statements.joined(separator: "\n"))
        let problem = try fixture.store.audit.verify().problem
        #expect(problem?.contains("does not match the signed checkpoint") == true, "\(problem ?? "nil")")
        #expect(problem?.contains("chain was rewritten") == true)
    }

    @Test func everyEventCarriesASaltAndAChangedSaltIsCaught() throws {
        let fixture = try populated()
        let salts = try #require(try fixture.sqliteValue("SELECT count(*) FROM auditEvent WHERE length(salt) = 16"))
        #expect(Int(salts) == (try fixture.store.audit.events().count), "every event is in chain format 2")
        try fixture.sqlite("""
            DROP TRIGGER auditEvent_appendOnly_update;
            UPDATE auditEvent SET salt = randomblob(16) WHERE sequence = 3;
            """)
        #expect(try fixture.store.audit.verify().problem == "event 3 was modified (its content no longer matches its hash)")
    }

    @Test func aForgedCheckpointIsRefused() throws {
        let fixture = try populated()
        _ = try fixture.store.audit.checkpoint(by: fixture.actor)
        try fixture.sqlite("""
            DROP TRIGGER auditCheckpoint_appendOnly_update;
            UPDATE auditCheckpoint SET time = time + 1;
            """)
        #expect(try fixture.store.audit.verify().problem?.contains("invalid signature") == true)
    }

    @Test func hourlyCheckpointsSkipWhenNothingHappened() throws {
        let fixture = try populated()
        #expect(try fixture.store.audit.checkpoint(by: .system("audit"), onlyIfNew: true) != nil)
        #expect(try fixture.store.audit.checkpoint(by: .system("audit"), onlyIfNew: true) == nil)
        try fixture.makeUser("erin")
        let checkpoint = try #require(try fixture.store.audit.checkpoint(by: .system("audit"), onlyIfNew: true))
        #expect(checkpoint.sequence == 14)
        #expect(checkpoint.publicKey == (try fixture.store.audit.signingPublicKey()))
        #expect(try fixture.store.audit.verify().isIntact)
    }

    @Test func filtersByTenantAndTime() throws {
        let fixture = try populated()
        #expect(try fixture.store.audit.events(.tenant("beta")).map(\.event.action) == [AuditAction.tenantCreate, AuditAction.tenantSuspend])
        let later = fixture.clock.now().addingTimeInterval(-0.5)
        #expect(try fixture.store.audit.events(since: later).count == 5)
        #expect(try fixture.store.audit.events(limit: 2).map(\.sequence) == [10, 11])
    }

    @Test func theSigningKeyIsSealed() throws {
        let fixture = try populated()
        _ = try fixture.store.audit.checkpoint(by: fixture.actor)
        let sqlite3 = try #require(ProcessRunner.which("sqlite3"))
        let result = try ProcessRunner.run(
            sqlite3, [fixture.dataPath + "/gatehouse.sqlite", "SELECT length(sealed) FROM sealedSecret WHERE name = 'audit-signing-key'"])
        // 12-byte nonce + 32-byte key + 16-byte tag: sealed, not the raw 32 bytes.
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "60")
    }
}

extension Array where Element == UInt8 {
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}

/// The signed chain head catches what a hash chain alone cannot: changes at the end of the log.
struct AuditHeadTests {
    func populated() throws -> StoreFixture {
        let fixture = try StoreFixture()
        try fixture.makeTenant()
        try fixture.makeUser("alice")
        try fixture.makeUser("bob")
        return fixture
    }

    @Test func deletingTheNewestEventsWithoutACheckpoint() throws {
        let fixture = try populated()
        try fixture.sqlite("DROP TRIGGER auditEvent_appendOnly_delete; DELETE FROM auditEvent WHERE sequence >= 3;")
        let problem = try fixture.store.audit.verify().problem
        #expect(problem?.contains("events 3 to 4 are missing") == true, "\(problem ?? "nil")")
    }

    @Test func appendingBehindTheStoresBack() throws {
        let fixture = try populated()
        try fixture.sqlite("""
            INSERT INTO auditEvent (sequence, time, actor, tenant, action, outcome, details, previousHash, hash)
            SELECT 5, time, actor, tenant, 'user.add', outcome, details, hash, hash FROM auditEvent WHERE sequence = 4;
            """)
        let problem = try fixture.store.audit.verify().problem
        #expect(problem != nil)
    }

    @Test func emptyingTheWholeLog() throws {
        let fixture = try populated()
        try fixture.sqlite("""
            DROP TRIGGER auditEvent_appendOnly_delete;
            DELETE FROM auditEvent;
            DELETE FROM auditHead;
            """)
        let problem = try fixture.store.audit.verify().problem
        #expect(problem?.contains("signed chain head is missing") == true, "\(problem ?? "nil")")
    }

    @Test func replacingTheStartOfTheLog() throws {
        // Deleting event 1 and renumbering everything else still breaks the first link.
        let fixture = try populated()
        try fixture.sqlite("""
            DROP TRIGGER auditEvent_appendOnly_delete;
            DROP TRIGGER auditEvent_appendOnly_update;
            DELETE FROM auditEvent WHERE sequence = 1;
            UPDATE auditEvent SET sequence = sequence - 1;
            """)
        #expect(try fixture.store.audit.verify().problem != nil)
    }

    @Test func aForgedHead() throws {
        let fixture = try populated()
        try fixture.sqlite("DELETE FROM auditEvent WHERE 0; UPDATE auditHead SET sequence = 3;")
        #expect(try fixture.store.audit.verify().problem?.contains("invalid signature") == true)
    }
}
