import GatehouseCore

/// The rules that decide a control's status from the populations. Each is small and reads only
/// the rows an auditor also receives, so every verdict can be re-derived from the bundle.
public enum ControlRule: String, CaseIterable, Sendable, Codable {
    case provisioningAttributed = "provisioning-attributed"
    case deprovisionedNoAccess = "deprovisioned-no-access"
    case rolesSegregated = "roles-segregated"
    case allowlistCoverage = "allowlist-coverage"
    case tlsModern = "tls-modern"
    case auditChainIntact = "audit-chain-intact"
    case dailyBackups = "daily-backups"
    case restoreTested = "restore-tested"
    case retentionEnforced = "retention-enforced"
    case cardDataTokenized = "card-data-tokenized"
    case incidentsHandled = "incidents-handled"
    case residencyRecorded = "residency-recorded"
    case policyPublished = "policy-published"
    /// No system evidence exists for the control: always "no evidence", never a pass.
    case manual

    /// The populations the rule reads; the exporter keeps only these in memory.
    var reads: [EvidenceCollector] {
        switch self {
        case .provisioningAttributed: [.usersCreated]
        case .deprovisionedNoAccess: [.usersDeprovisioned]
        case .rolesSegregated: [.roleChanges]
        case .allowlistCoverage: [.allowlistSnapshot]
        case .tlsModern: [.tlsConfiguration, .certificates]
        case .auditChainIntact: [.auditVerification]
        case .dailyBackups: [.backupsDaily]
        case .restoreTested: [.backupsDaily, .restoreChecks]
        case .retentionEnforced: [.tenants, .backupsDaily, .backupPrunes]
        case .cardDataTokenized: [.cardPolicies]
        case .incidentsHandled: [.incidents]
        case .residencyRecorded: [.tenants]
        case .policyPublished, .manual: []
        }
    }
}

/// A control's verdict. "No evidence" is never a pass: a source that has not recorded anything for
/// the period says so.
public enum ControlState: String, Sendable, Codable {
    case satisfied
    case notSatisfied = "not satisfied"
    case noEvidence = "no evidence"
}

public struct ControlVerdict: Sendable, Codable, Equatable {
    public let state: ControlState
    /// One sentence saying why.
    public let reason: String
    /// The rows that failed, each naming its population file and row number.
    public let failingRows: [String]

    static func satisfied(_ reason: String) -> ControlVerdict { .init(state: .satisfied, reason: reason, failingRows: []) }
    static func noEvidence(_ reason: String) -> ControlVerdict { .init(state: .noEvidence, reason: reason, failingRows: []) }
    static func notSatisfied(_ reason: String, _ rows: [String]) -> ControlVerdict {
        .init(state: .notSatisfied, reason: reason, failingRows: rows)
    }
}
