import Foundation
import GatehouseCore
@testable import GatehouseEvidence
import GatehouseStore
import Testing

@Suite("Control statuses from the store")
struct ControlStatusTests {
    @Test("A1.2 names the missing backup day; a period without one is satisfied")
    func dailyBackups() throws {
        let fixture = try EvidenceFixture()
        try fixture.seed(missingBackupDay: 5)
        let withGap = try EvidenceFixture.entries(try fixture.export(from: 2, to: 10))
        let controls = try EvidenceFixture.controls(withGap)
        #expect(controls["A1.2"]?.status == "not satisfied")
        #expect(controls["A1.2"]?.failing == ["evidence/backups-daily.csv row 4: tenant acme has no successful backup on 2027-01-05"])
        let rows = EvidenceFixture.csv(withGap["evidence/backups-daily.csv"])
        #expect(rows.first == ["tenant", "day", "backups", "failed_runs", "missing"])
        #expect(rows.count == 10, "a header and one row per day 2…10 for acme only (beta has no database)")
        #expect(rows[4] == ["acme", "2027-01-05", "0", "0", "yes"])
        #expect(rows.dropFirst().filter { $0[4] == "no" }.count == 8)

        let withoutGap = try EvidenceFixture.controls(EvidenceFixture.entries(try fixture.export(from: 6, to: 10)))
        #expect(withoutGap["A1.2"]?.status == "satisfied")
        #expect(withoutGap["A1.3"]?.status == "satisfied", "acme's backup was verified on day 9")
        let beforeVerify = try EvidenceFixture.controls(EvidenceFixture.entries(try fixture.export(from: 2, to: 4)))
        #expect(beforeVerify["A1.3"]?.status == "not satisfied")
        #expect(beforeVerify["A1.3"]?.failing.first?.contains("tenant acme") == true)
    }

    @Test("Days a tenant spent suspended expect no backup, even after it was resumed")
    func suspendedDays() throws {
        let fixture = try EvidenceFixture()
        try fixture.seed(missingBackupDay: 5)
        fixture.at(4, hour: 20)
        _ = try fixture.store.tenants.suspend(fixture.acme, by: .cli("ops"))
        fixture.at(5, hour: 20)
        _ = try fixture.store.tenants.resume(fixture.acme, newExpiry: nil, by: .cli("ops"))
        fixture.at(12)
        let entries = try EvidenceFixture.entries(try fixture.export(from: 2, to: 10))
        let days = EvidenceFixture.csv(entries["evidence/backups-daily.csv"]).dropFirst().map { $0[1] }
        #expect(!days.contains("2027-01-05") && !days.contains("2027-01-04"), "acme was suspended from 20:00 on day 4 to 20:00 on day 5")
        #expect(days.contains("2027-01-03") && days.contains("2027-01-06"))
        #expect(try EvidenceFixture.controls(entries)["A1.2"]?.status == "satisfied")
    }

    @Test("C1.1 follows the card settings in force at the period's end, processor shown as its origin")
    func cardSettingsAtPeriodEnd() throws {
        let fixture = try EvidenceFixture()
        try fixture.seed()
        fixture.at(6)
        _ = try fixture.store.cards.set(
            fixture.beta, tokenize: false, keepsBIN: nil, processor: .some(try CardProcessorURL("https://pay.example.com/v1/tokens?key=abc")),
            by: .cli("ops"))
        let before = try EvidenceFixture.entries(try fixture.export(from: 2, to: 5))
        #expect(try EvidenceFixture.controls(before)["C1.1"]?.status == "satisfied")
        let after = try EvidenceFixture.entries(try fixture.export(from: 2, to: 10))
        #expect(try EvidenceFixture.controls(after)["C1.1"]?.failing == ["evidence/card-policies.csv row 2: tenant beta has card tokenization off"])
        #expect(EvidenceFixture.csv(after["evidence/card-policies.csv"]).last == ["beta", "off", "no", "https://pay.example.com"])
        for (path, data) in after { #expect(!String(decoding: data, as: UTF8.self).contains("key=abc"), "\(path)") }
    }

    @Test("Sources without records give 'no evidence', never a pass")
    func noEvidenceIsNotAPass() throws {
        let fixture = try EvidenceFixture()
        try fixture.seed()
        let controls = try EvidenceFixture.controls(EvidenceFixture.entries(try fixture.export(from: 20, to: 25)))
        #expect(controls["A1.2"]?.status == "not satisfied", "acme still expects backups, and none were made in days 20…25")
        #expect(controls["CC6.1"]?.status == "no evidence", "no users were created in the period")
        #expect(controls["CC8.1"]?.status == "no evidence", "change control is a manual control")
        #expect(controls["CC6.8"]?.status == "no evidence")
    }

    @Test("CC6.2: a sign-in after deprovisioning fails the control and names the user")
    func signInAfterDisable() throws {
        let fixture = try EvidenceFixture()
        try fixture.seed()
        #expect(try EvidenceFixture.controls(EvidenceFixture.entries(try fixture.export(from: 2, to: 10)))["CC6.2"]?.status == "satisfied")
        fixture.at(4, hour: 9)
        try fixture.store.audit.record(
            AuditEvent(
                time: fixture.clock.now(), actor: .user("acme.bob"), tenant: "acme", sourceIP: "10.1.2.3",
                action: AuditAction.authentication, target: "acme.gatehouse.localhost"))
        fixture.at(12)
        let controls = try EvidenceFixture.controls(EvidenceFixture.entries(try fixture.export(from: 2, to: 10)))
        #expect(controls["CC6.2"]?.status == "not satisfied")
        #expect(controls["CC6.2"]?.failing.first?.contains("acme.bob signed in 1 time(s) after user.disable") == true)
    }

    @Test("CC6.3: a user changing their own roles fails segregation of duties")
    func selfGrantedRoles() throws {
        let fixture = try EvidenceFixture()
        try fixture.seed()
        fixture.at(6)
        _ = try fixture.store.users.setRoles([.admin, .auditor], for: try UserName("alice"), in: .tenant(fixture.acme), by: .cli("ops"))
        #expect(try EvidenceFixture.controls(EvidenceFixture.entries(try fixture.export(from: 2, to: 10)))["CC6.3"]?.status == "satisfied")
        fixture.at(7)
        _ = try fixture.store.users.setRoles([.admin, .backup], for: try UserName("alice"), in: .tenant(fixture.acme), by: .user("acme.alice"))
        fixture.at(12)
        let controls = try EvidenceFixture.controls(EvidenceFixture.entries(try fixture.export(from: 2, to: 10)))
        #expect(controls["CC6.3"]?.status == "not satisfied")
        #expect(controls["CC6.3"]?.failing == ["evidence/role-changes.csv row 2: acme.alice changed their own roles at 2027-01-07T00:00:00.000Z"])
    }

    @Test("CC6.6 fails for a tenant that admits every address; PIPEDA breach handling follows the register")
    func allowlistsAndIncidents() throws {
        let fixture = try EvidenceFixture()
        try fixture.seed()
        let soc2 = try EvidenceFixture.controls(EvidenceFixture.entries(try fixture.export(from: 2, to: 10)))
        #expect(soc2["CC6.6"]?.status == "not satisfied")
        #expect(soc2["CC6.6"]?.failing.count == 1)
        #expect(soc2["CC6.6"]?.failing.first?.contains("tenant beta admits every address") == true)

        // A past period is judged by the rules it had: acme's rule, removed after the period and
        // beta's, added after it, change nothing.
        fixture.at(12, hour: 2)
        try fixture.store.allowlists.remove(try IPNetwork("10.0.0.0/8"), tenant: fixture.acme, user: nil, allowingEveryAddress: true, by: .cli("ops"))
        _ = try fixture.store.allowlists.add(try IPNetwork("0.0.0.0/0"), tenant: fixture.beta, user: nil, by: .cli("ops"))
        let past = try EvidenceFixture.entries(try fixture.export(from: 2, to: 10))
        #expect(EvidenceFixture.csv(past["evidence/allowlist-snapshot.csv"]).dropFirst().map { [$0[0], $0[2], $0[4], $0[5]] }
            == [["acme", "1", "no", "10.0.0.0/8"], ["beta", "0", "no", ""]])
        #expect(try EvidenceFixture.controls(past)["CC6.6"]?.failing.count == 1)
        let later = try EvidenceFixture.entries(try fixture.export(from: 12, to: 12))
        #expect(EvidenceFixture.csv(later["evidence/allowlist-snapshot.csv"]).dropFirst().map { [$0[0], $0[2], $0[4], $0[5]] }
            == [["acme", "0", "no", ""], ["beta", "1", "yes", "0.0.0.0/0"]])

        fixture.at(12, hour: 3)
        _ = try fixture.store.incidents.record(
            title: "Backup file exposed", detected: CalendarDay(EvidenceFixture.day(8)), tenants: [fixture.acme], significantHarm: true,
            notified: nil, by: .cli("ops"))
        let pipeda = try EvidenceFixture.controls(EvidenceFixture.entries(try fixture.export(.pipeda, from: 2, to: 10)))
        #expect(pipeda["PIPEDA-BREACH"]?.status == "not satisfied")
        #expect(pipeda["PIPEDA-BREACH"]?.failing == ["evidence/incidents.csv row 1: incident 1 poses a real risk of significant harm but has no notification date"])
        #expect(pipeda["PIPEDA-RESIDENCY"]?.status == "satisfied")
        let outside = try EvidenceFixture.controls(EvidenceFixture.entries(try fixture.export(.pipeda, from: 2, to: 7)))
        #expect(outside["PIPEDA-BREACH"]?.status == "satisfied", "the incident was detected after this period")
    }
}
