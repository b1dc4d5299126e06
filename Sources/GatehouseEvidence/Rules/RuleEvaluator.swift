import Foundation
import GatehouseCore

/// Decides each control's status from the populations of one export.
struct RuleEvaluator {
    let period: EvidencePeriod
    let populations: [EvidenceCollector: PopulationRows]
    let policies: [PolicyDocument]
    /// When the export runs: snapshots describe this moment, not the period's end.
    let exportedAt: Date
    /// How long backups are kept, and the slack for the hourly prune to catch up.
    static let retentionDays = 7

    func verdict(for control: ControlCatalog.Control) -> ControlVerdict {
        switch control.rule {
        case .manual:
            return .noEvidence("the gateway holds no system evidence for this control; provide it from your own records")
        case .policyPublished:
            return policyPublished(control.policies ?? [])
        default:
            break
        }
        for needed in control.rule.reads where populations[needed] == nil {
            return .noEvidence("population \(needed.rawValue) was not collected")
        }
        switch control.rule {
        case .provisioningAttributed: return provisioningAttributed()
        case .deprovisionedNoAccess: return deprovisionedNoAccess()
        case .rolesSegregated: return rolesSegregated()
        case .allowlistCoverage: return allowlistCoverage()
        case .tlsModern: return tlsModern()
        case .auditChainIntact: return auditChainIntact()
        case .dailyBackups: return dailyBackups()
        case .restoreTested: return restoreTested()
        case .retentionEnforced: return retentionEnforced()
        case .cardDataTokenized: return cardDataTokenized()
        case .incidentsHandled: return incidentsHandled()
        case .residencyRecorded: return residencyRecorded()
        case .policyPublished, .manual: return .noEvidence("")
        }
    }

    private func rows(_ collector: EvidenceCollector) -> PopulationRows { populations[collector]! }

    /// Verdict over rows that must each pass; `none` when there is nothing to judge.
    private func judge(
        _ population: PopulationRows, subject: String, none: String, where include: ([String: String]) -> Bool = { _ in true },
        failure: ([String: String]) -> String?
    ) -> ControlVerdict {
        let records = population.records.filter { include($0.fields) }
        guard !records.isEmpty else { return .noEvidence(none) }
        let failing = records.compactMap { record in failure(record.fields).map { population.reference(record.number, $0) } }
        if failing.isEmpty { return .satisfied("all \(records.count) \(subject) pass (\(population.file))") }
        return .notSatisfied("\(failing.count) of \(records.count) \(subject) fail", failing)
    }

    private func provisioningAttributed() -> ControlVerdict {
        judge(rows(.usersCreated), subject: "users created", none: "no users were created in the period") { row in
            let actor = row["actor", default: ""]
            return actor.isEmpty || actor == "anonymous" ? "\(row["target", default: "?"]) was created without an identified actor" : nil
        }
    }

    private func deprovisionedNoAccess() -> ControlVerdict {
        judge(rows(.usersDeprovisioned), subject: "deprovisionings", none: "no users were disabled or removed in the period") { row in
            let after = Int(row["signins_after", default: "0"]) ?? 0
            return after > 0 ? "\(row["target", default: "?"]) signed in \(after) time(s) after \(row["action", default: "deprovisioning"]) at \(row["time", default: "?"])" : nil
        }
    }

    private func rolesSegregated() -> ControlVerdict {
        judge(rows(.roleChanges), subject: "role changes", none: "no roles were changed in the period") { row in
            row["self_change"] == "yes" ? "\(row["target", default: "?"]) changed their own roles at \(row["time", default: "?"])" : nil
        }
    }

    private func allowlistCoverage() -> ControlVerdict {
        judge(
            rows(.allowlistSnapshot), subject: "active tenants", none: "no active tenants",
            where: { $0["status"] == "active" }
        ) { row in
            (Int(row["tenant_rules", default: "0"]) ?? 0) == 0
                ? "tenant \(row["tenant", default: "?"]) admits every address without a recorded allow-all exception (add its networks, or a 0.0.0.0/0 rule to record the exception)"
                : nil
        }
    }

    private func tlsModern() -> ControlVerdict {
        let tls = rows(.tlsConfiguration)
        let settings = Dictionary(tls.records.map { ($0.fields["setting", default: ""], $0.fields["value", default: ""]) }) { first, _ in first }
        guard let protocols = settings["protocols"] else { return .noEvidence("the TLS configuration lists no protocols") }
        var failing: [String] = []
        let allowed: Set<String> = ["TLSv1.2", "TLSv1.3"]
        let offered = protocols.split(separator: " ").map(String.init)
        if offered.isEmpty || !offered.allSatisfy(allowed.contains) {
            failing.append("\(tls.file): protocols '\(protocols)' include something other than TLSv1.2 and TLSv1.3")
        }
        let certificates = rows(.certificates)
        for record in certificates.records
        where record.fields["expired_in_period"] == "yes" || record.fields["status_at_period_end"] == "expired" {
            failing.append(certificates.reference(record.number, "certificate for \(record.fields["hostname", default: "?"]) expired on \(record.fields["not_after", default: "?"]) and is still in the store"))
        }
        if failing.isEmpty {
            return .satisfied("listeners offer \(protocols) only and no served certificate expired in the period (\(certificates.rows.count) certificates)")
        }
        return .notSatisfied("\(failing.count) TLS finding(s)", failing)
    }

    private func auditChainIntact() -> ControlVerdict {
        let verification = rows(.auditVerification)
        let results = Dictionary(verification.records.map { ($0.fields["check", default: ""], ($0.number, $0.fields["result", default: ""])) }) { first, _ in first }
        guard let intact = results["chain_intact"] else { return .noEvidence("the audit log was not verified") }
        if intact.1 != "yes" {
            return .notSatisfied(
                "the audit log's hash chain does not verify",
                [verification.reference(intact.0, results["problem"]?.1 ?? "chain broken")])
        }
        guard let events = Int(results["events_in_period"]?.1 ?? ""), events > 0 else {
            return .noEvidence("the audit log holds no events in the period")
        }
        guard let covering = results["checkpoint_covering_period"], !covering.1.isEmpty else {
            return .notSatisfied("no signed checkpoint covers the period's last event", ["\(verification.file): checkpoint_covering_period is empty"])
        }
        return .satisfied("the hash chain verifies end to end; \(events) events in the period, signed through event \(covering.1)")
    }

    private func dailyBackups() -> ControlVerdict {
        judge(
            rows(.backupsDaily), subject: "tenant-days", none: "no active tenant with a database in the period"
        ) { row in
            row["missing"] == "yes" ? "tenant \(row["tenant", default: "?"]) has no successful backup on \(row["day", default: "?"])" : nil
        }
    }

    private func restoreTested() -> ControlVerdict {
        let daily = rows(.backupsDaily)
        let backedUp = Set(daily.records.filter { (Int($0.fields["backups", default: "0"]) ?? 0) > 0 }.map { $0.fields["tenant", default: ""] })
        guard !backedUp.isEmpty else { return .noEvidence("no tenant was backed up in the period") }
        let checks = rows(.restoreChecks)
        let verified = Set(checks.records.filter { $0.fields["outcome"] == "success" }.map { $0.fields["tenant", default: ""] })
        let missing = backedUp.subtracting(verified).sorted()
        if missing.isEmpty {
            return .satisfied("every tenant backed up in the period (\(backedUp.count)) has a successful restore check (\(checks.file))")
        }
        return .notSatisfied(
            "\(missing.count) of \(backedUp.count) backed-up tenants have no successful restore check in the period",
            missing.map { "\(checks.file): no successful 'backup verify' for tenant \($0)" })
    }

    private func retentionEnforced() -> ControlVerdict {
        let tenants = rows(.tenants)
        let limit = Double(Self.retentionDays + 1) * 86_400
        var failing: [String] = []
        var withBackups = 0
        // The catalogue is a snapshot at export: it speaks for the period only when the period ended recently.
        let catalogueApplies = exportedAt.timeIntervalSince(period.end) <= limit
        for record in tenants.records where catalogueApplies {
            guard let oldest = record.fields["oldest_backup"], !oldest.isEmpty else { continue }
            withBackups += 1
            if let date = ISO8601Millis.parse(oldest), exportedAt.timeIntervalSince(date) > limit {
                failing.append(tenants.reference(record.number, "tenant \(record.fields["tenant", default: "?"]) still holds a backup from \(oldest), older than \(Self.retentionDays) days"))
            }
        }
        let madeBackups = rows(.backupsDaily).records.contains { (Int($0.fields["backups", default: "0"]) ?? 0) > 0 }
        let prunes = rows(.backupPrunes).rows.count
        if madeBackups && prunes == 0 && period.days.count > Self.retentionDays {
            failing.append("\(rows(.backupPrunes).file): backups were made but no prune was recorded in the period")
        }
        if !failing.isEmpty { return .notSatisfied("retention was not enforced", failing) }
        guard withBackups > 0 || madeBackups else { return .noEvidence("no backups were made or held") }
        return .satisfied("no catalogued backup is older than \(Self.retentionDays) days; \(prunes) prunes recorded in the period")
    }

    private func cardDataTokenized() -> ControlVerdict {
        judge(rows(.cardPolicies), subject: "tenants", none: "no tenants") { row in
            row["tokenization"] == "on" ? nil : "tenant \(row["tenant", default: "?"]) has card tokenization off"
        }
    }

    private func incidentsHandled() -> ControlVerdict {
        let incidents = rows(.incidents)
        guard !incidents.rows.isEmpty else {
            return .satisfied("the breach register holds no incident detected in the period")
        }
        let failing = incidents.records.compactMap { record -> String? in
            let harm = record.fields["significant_harm", default: ""]
            let id = record.fields["id", default: "?"]
            if harm == "not assessed" { return incidents.reference(record.number, "incident \(id) has no harm assessment") }
            if harm == "yes" && record.fields["notified", default: ""].isEmpty {
                return incidents.reference(record.number, "incident \(id) poses a real risk of significant harm but has no notification date")
            }
            return nil
        }
        if failing.isEmpty { return .satisfied("all \(incidents.rows.count) incidents in the register are assessed, and notified where required") }
        return .notSatisfied("\(failing.count) of \(incidents.rows.count) incidents are not handled", failing)
    }

    private func residencyRecorded() -> ControlVerdict {
        judge(rows(.tenants), subject: "tenants", none: "no tenants") { row in
            row["region", default: ""].isEmpty ? "tenant \(row["tenant", default: "?"]) has no recorded region" : nil
        }
    }

    private func policyPublished(_ ids: [String]) -> ControlVerdict {
        guard !ids.isEmpty else { return .noEvidence("the control names no policy") }
        var failing: [String] = []
        for id in ids {
            guard let policy = policies.first(where: { $0.id == id }) else {
                failing.append("policies/\(id).md is missing")
                continue
            }
            if policy.effective > period.from {
                failing.append("policies/\(id).md takes effect on \(policy.effective), after the period starts (\(period.from))")
            }
        }
        if failing.isEmpty { return .satisfied("\(ids.map { "policies/\($0).md" }.joined(separator: ", ")) in force during the period") }
        return .notSatisfied("policy not in force", failing)
    }
}
