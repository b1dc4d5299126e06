import Crypto
import Foundation
import GatehouseCore
@testable import GatehouseEvidence
import GatehouseStore
import GatehouseTesting
import Testing

@Suite("Evidence bundles")
struct BundleTests {
    @Test("The same data and period give byte-identical evidence files")
    func deterministic() throws {
        let fixture = try EvidenceFixture()
        try fixture.seed()
        let first = try EvidenceFixture.entries(try fixture.export(from: 2, to: 10))
        fixture.clock.advance(by: 3600)
        let second = try EvidenceFixture.entries(try fixture.export(from: 2, to: 10))
        let listed = try JSONDecoder().decode(BundleManifest.self, from: try #require(first["manifest.json"])).files
        #expect(listed.count > 50)
        for file in listed {
            #expect(first[file.path] == second[file.path], "\(file.path) differs between two exports of the same data")
        }
        #expect(first["manifest.json"] != second["manifest.json"], "the manifest carries the creation time")
    }

    @Test("Populations reconcile with the audit log, and carry their query, count and hash")
    func populationsReconcile() throws {
        let fixture = try EvidenceFixture()
        try fixture.seed()
        let entries = try EvidenceFixture.entries(try fixture.export(from: 1, to: 10))
        let events = try fixture.store.audit.events()
            .filter { $0.event.time >= EvidenceFixture.day(1) && $0.event.time < EvidenceFixture.day(11) }
        for (population, actions) in [
            ("users-created", [AuditAction.userAdd]), ("users-deprovisioned", [AuditAction.userDisable, AuditAction.userRemove]),
            ("credential-changes", [AuditAction.passwordSet]), ("allowlist-changes", [AuditAction.allowlistAdd]),
            ("restore-checks", [AuditAction.backupVerify]),
        ] {
            let rows = EvidenceFixture.csv(entries["evidence/\(population).csv"]).dropFirst()
            let expected = events.filter { actions.contains($0.event.action) }.map { String($0.sequence) }
            #expect(rows.map { $0[0] } == expected, "\(population) lists exactly the audit events \(actions)")
            let metadata = try JSONSerialization.jsonObject(with: try #require(entries["evidence/\(population).json"])) as! [String: Any]
            #expect(metadata["row_count"] as? Int == expected.count)
            #expect(metadata["sha256"] as? String == SHA256.hash(data: try #require(entries["evidence/\(population).csv"])).hexString)
            #expect((metadata["query"] as? String)?.contains("FROM auditEvent") == true)
        }
        let backups = EvidenceFixture.csv(entries["evidence/backups-daily.csv"]).dropFirst()
        #expect(backups.map { Int($0[2])! }.reduce(0, +) == events.filter { $0.event.action == AuditAction.backupRun }.count)
    }

    @Test("Tokenization counts add up the per-second events (and older per-request ones count one each)")
    func tokenizationCounts() throws {
        let fixture = try EvidenceFixture()
        try fixture.seed()
        fixture.at(4, hour: 9)
        func tokenized(_ details: [String: String]) -> AuditEvent {
            AuditEvent(
                time: fixture.clock.now(), actor: .user("acme.bob"), tenant: "acme", sourceIP: "10.0.0.7",
                action: AuditAction.cardTokenized, target: "acme.gatehouse.localhost", outcome: .success, details: details)
        }
        for event in [
            tokenized(["requests": "40", "fields": "41", "security_codes_removed": "3", "processor": "no"]),
            tokenized(["fields": "2", "security_codes_removed": "1", "processor": "no"]),
            AuditEvent(
                time: fixture.clock.now(), actor: .user("acme.bob"), tenant: "acme", sourceIP: "10.0.0.7",
                action: AuditAction.cardRefused, target: "acme.gatehouse.localhost", outcome: .denied, details: ["path": "/pay"]),
        ] {
            try fixture.store.audit.record(event)
        }
        let entries = try EvidenceFixture.entries(try fixture.export(from: 1, to: 10))
        let rows = EvidenceFixture.csv(entries["evidence/tokenization-daily.csv"])
        #expect(rows.first == ["tenant", "day", "requests_tokenized", "fields_tokenized", "security_codes_removed", "requests_refused"])
        #expect(rows.dropFirst().map { $0 } == [["acme", "2027-01-04", "41", "43", "4", "1"]])
    }

    @Test("The audit segment holds the period's events and verifies against the signed checkpoint")
    func auditSegment() throws {
        let fixture = try EvidenceFixture()
        try fixture.seed()
        let url = try fixture.export(from: 2, to: 10)
        let entries = try EvidenceFixture.entries(url)
        let lines = String(decoding: try #require(entries["audit/events.jsonl"]), as: UTF8.self).split(separator: "\n")
        let inPeriod = try fixture.store.audit.events()
            .filter { $0.event.time >= EvidenceFixture.day(2) && $0.event.time < EvidenceFixture.day(11) }
        #expect(lines.filter { !$0.contains("\"withheld\":true") }.count == inPeriod.count)
        #expect(lines.last?.contains("audit.checkpoint") == false, "the day-11 checkpoint event is outside the period: withheld")
        let verification = try BundleVerifier.verify(url)
        #expect(verification.problem == nil)
        #expect(verification.auditEvents == lines.count)
        #expect(verification.checkpoints == 1)
    }

    @Test("A tenant's bundle withholds other tenants' events and rows")
    func tenantScope() throws {
        let fixture = try EvidenceFixture()
        try fixture.seed()
        let url = try fixture.export(from: 1, to: 10, tenant: fixture.acme)
        #expect(try BundleVerifier.verify(url).problem == nil)
        let entries = try EvidenceFixture.entries(url)
        for (path, data) in entries where path.hasPrefix("evidence/") || path.hasPrefix("audit/") || path == "controls.json" {
            let text = String(decoding: data, as: UTF8.self)
            #expect(!text.contains("carol") && !text.contains("\"beta\"") && !text.contains(",beta,"), "\(path) mentions tenant beta")
        }
        let lines = String(decoding: try #require(entries["audit/events.jsonl"]), as: UTF8.self).split(separator: "\n")
        #expect(lines.contains { $0.contains("\"withheld\":true") }, "beta's events keep only their hashes")
        #expect(lines.contains { $0.contains("\"target\":\"acme.alice\"") })
    }

    @Test("No secret, password hash or API token reaches a bundle")
    func noSecrets() throws {
        let fixture = try EvidenceFixture()
        try fixture.seed()
        fixture.at(4)
        let token = try fixture.store.users.createToken(for: try UserName("alice"), in: .tenant(fixture.acme), expiresAt: nil, by: .cli("ops"))
        fixture.at(12)
        let entries = try EvidenceFixture.entries(try fixture.export(from: 1, to: 10))
        let hash = try #require(try fixture.sqlite("SELECT hash FROM passwordCredential"))
        let masterKey = try Data(contentsOf: URL(fileURLWithPath: fixture.directory.path("data/master.key")))
        for (path, data) in entries {
            let text = String(decoding: data, as: UTF8.self)
            #expect(!text.contains(token.token), "\(path) holds the API token")
            #expect(!text.contains(hash), "\(path) holds a password hash")
            #expect(!text.contains("correct horse battery staple"), "\(path) holds a password")
            #expect(data.range(of: masterKey) == nil, "\(path) holds the master key")
        }
    }

    @Test("Each control catalog loads, and a broken one is refused with the control named")
    func catalogs() throws {
        for framework in Framework.allCases {
            let catalog = try ControlCatalog.load(framework, from: EvidenceFixture.policies)
            #expect(catalog.controls.count >= 10)
        }
        let soc2 = try ControlCatalog.load(.soc2, from: EvidenceFixture.policies)
        let required = ["CC6.1", "CC6.2", "CC6.3", "CC6.6", "CC6.7", "CC6.8", "CC7.1", "CC7.2", "CC7.3", "CC7.4", "CC8.1", "A1.2", "A1.3", "C1.1", "C1.2"]
        #expect(Set(required).isSubset(of: Set(soc2.controls.map(\.id))))
        let pipeda = try ControlCatalog.load(.pipeda, from: EvidenceFixture.policies)
        #expect(Set((1...10).map { "PIPEDA-4.\($0)" }).isSubset(of: Set(pipeda.controls.map(\.id))))
        #expect(try PolicyDocument.loadAll(from: EvidenceFixture.policies).map(\.id)
            == ["access-control", "backup-and-retention", "card-data", "cryptography", "incident-response", "privacy-pipeda"])

        let fixture = try EvidenceFixture()
        let broken = URL(fileURLWithPath: fixture.directory.path("policies"))
        try FileManager.default.copyItem(at: EvidenceFixture.policies, to: broken)
        let yaml = try String(contentsOf: broken.appendingPathComponent("soc2.yaml"), encoding: .utf8)
        try yaml.replacingOccurrences(of: "rule: daily-backups", with: "rule: always-pass")
            .write(to: broken.appendingPathComponent("soc2.yaml"), atomically: true, encoding: .utf8)
        #expect(throws: GatehouseError.self) { try ControlCatalog.load(.soc2, from: broken) }
        do {
            _ = try ControlCatalog.load(.soc2, from: broken)
        } catch {
            #expect(error.message.contains("soc2.yaml") && error.message.contains("always-pass"), "\(error.message)")
        }
    }
}

extension EvidenceFixture {
    /// One value from the store, read with the real sqlite3 client.
    func sqlite(_ sql: String) throws -> String? {
        let sqlite3 = try #require(ProcessRunner.which("sqlite3"))
        let output = try ProcessRunner.run(sqlite3, [directory.path("data/gatehouse.sqlite"), sql]).stdout
        let value = output.trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }
}
