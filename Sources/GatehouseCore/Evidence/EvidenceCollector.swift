/// The populations the store produces for evidence: each becomes one CSV in a bundle, beside the
/// query that produced it. Catalogs (Policies/*.yaml) name these ids.
public enum EvidenceCollector: String, CaseIterable, Sendable, Codable {
    case usersCreated = "users-created"
    case usersDeprovisioned = "users-deprovisioned"
    case roleChanges = "role-changes"
    case credentialChanges = "credential-changes"
    case allowlistChanges = "allowlist-changes"
    case allowlistSnapshot = "allowlist-snapshot"
    case tenantChanges = "tenant-changes"
    case tenants = "tenants"
    case certificateEvents = "certificate-events"
    case certificates = "certificates"
    case tlsConfiguration = "tls-configuration"
    case loginFailures = "login-failures"
    case bans = "bans"
    case accessDenials = "access-denials"
    case backupsDaily = "backups-daily"
    case backupDownloads = "backup-downloads"
    case backupPrunes = "backup-prunes"
    case restoreChecks = "restore-checks"
    case tokenizationDaily = "tokenization-daily"
    case cardPolicies = "card-policies"
    case auditVerification = "audit-verification"
    case incidents = "incidents"

    /// What the population is, for the bundle's metadata, report and OSCAL observations.
    public var title: String {
        switch self {
        case .usersCreated: "Users created in the period"
        case .usersDeprovisioned: "Users disabled or removed in the period, with sign-ins after that time"
        case .roleChanges: "Role changes in the period"
        case .credentialChanges: "Credential changes (passwords, API tokens, SSH keys) in the period"
        case .allowlistChanges: "IP allowlist changes in the period"
        case .allowlistSnapshot: "IP allowlists in force at the end of the period, rebuilt from their change events"
        case .tenantChanges: "Tenant and card-policy changes in the period"
        case .tenants: "Tenants at export: status, data region, database, oldest catalogued backup"
        case .certificateEvents: "Certificate imports, replacements, expiry warnings and domain changes in the period"
        case .certificates: "Certificates in the store at export, with validity"
        case .tlsConfiguration: "TLS configuration of the listeners"
        case .loginFailures: "Failed sign-ins in the period"
        case .bans: "Brute-force bans in the period"
        case .accessDenials: "Access denials (allowlist, role, subscription) in the period"
        case .backupsDaily: "Successful backups per tenant per day, with missing days flagged"
        case .backupDownloads: "Backup downloads over SFTP in the period"
        case .backupPrunes: "Backup prunes (retention) in the period"
        case .restoreChecks: "Restore checks (backup verify) in the period"
        case .tokenizationDaily: "Card tokenization per tenant per day (counts only)"
        case .cardPolicies: "Card tokenization settings in force at the end of the period, from their change events"
        case .auditVerification: "Verification of the audit log's hash chain and checkpoints"
        case .incidents: "Incidents and breaches recorded in the register"
        }
    }

    /// A snapshot describes the configuration at export; the others list what happened in the period
    /// (or, for allowlists and card settings, what was in force at its end).
    public var isSnapshot: Bool {
        switch self {
        case .tenants, .certificates, .tlsConfiguration: true
        default: false
        }
    }
}
