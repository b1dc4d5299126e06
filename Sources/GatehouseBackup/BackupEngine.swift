import Foundation
import GatehouseCore

/// Runs, prunes and verifies tenants' backups, keeps the catalogue and the files in step, and
/// audits every outcome, failures included.
public struct BackupEngine: Sendable {
    public let files: BackupFiles
    let catalog: any BackupCatalog
    let clock: any WallClock
    let actor: AuditActor
    /// Records an audit event (the store's audit log).
    let audit: @Sendable (AuditEvent) throws(GatehouseError) -> Void

    public init(
        files: BackupFiles, catalog: any BackupCatalog, clock: any WallClock, actor: AuditActor,
        audit: @escaping @Sendable (AuditEvent) throws(GatehouseError) -> Void
    ) {
        self.files = files
        self.catalog = catalog
        self.clock = clock
        self.actor = actor
        self.audit = audit
    }

    /// Makes one backup of the tenant's database and catalogues it.
    public func run(
        tenant: TenantPrefix, database: String, kind: BackupKind, progress: (Int, Int) -> Void = { _, _ in }
    ) throws(GatehouseError) -> Backup {
        let now = clock.now()
        let started = Date()
        _ = files.removeLeftovers(tenant, keeping: Set(try catalog.backups(of: tenant).map(\.fileName)))
        do {
            let written = try BackupWriter(files: files).write(tenant: tenant, database: database, kind: kind, at: now, progress: progress)
            let backup = try catalog.add(
                tenant: tenant, kind: kind, fileName: written.fileName, sizeBytes: written.sizeBytes, sha256: written.sha256, createdAt: now)
            try audit(
                AuditEvent(
                    time: now, actor: actor, tenant: tenant.value, action: AuditAction.backupRun, target: backup.fileName,
                    details: [
                        "kind": kind.rawValue, "bytes": String(backup.sizeBytes),
                        "seconds": String(format: "%.2f", Date().timeIntervalSince(started)),
                    ]))
            return backup
        } catch {
            try? audit(
                AuditEvent(
                    time: now, actor: actor, tenant: tenant.value, action: AuditAction.backupRun, target: tenant.value,
                    outcome: .failure, details: ["kind": kind.rawValue, "error": error.message]))
            throw error
        }
    }

    /// Deletes backups older than the retention period, file and catalogue entry. Returns them.
    public func prune(tenants: [TenantPrefix]) throws(GatehouseError) -> [Backup] {
        let now = clock.now()
        var removed: [Backup] = []
        for tenant in tenants {
            let backups = try catalog.backups(of: tenant)
            let expired = backups.filter { $0.isExpired(at: now) }
            for backup in expired {
                try? FileManager.default.removeItem(at: files.file(backup))
                try? FileManager.default.removeItem(at: files.checksumFile(backup))
                try catalog.remove(backup)
            }
            removed += expired
            let kept = Set(backups.map(\.fileName)).subtracting(expired.map(\.fileName))
            let leftovers = files.removeLeftovers(tenant, keeping: kept)
            if !leftovers.isEmpty || !expired.isEmpty {
                try audit(
                    AuditEvent(
                        time: now, actor: actor, tenant: tenant.value, action: AuditAction.backupPrune, target: tenant.value,
                        details: ["removed": String(expired.count), "leftovers_removed": String(leftovers.count)]))
            }
        }
        return removed
    }

    /// Checks each backup; returns the problems found (empty when all are sound).
    public func verify(_ backups: [Backup]) throws(GatehouseError) -> [(Backup, String)] {
        let verifier = BackupVerifier(files: files)
        var problems: [(Backup, String)] = []
        for backup in backups {
            let problem = verifier.problem(with: backup)
            if let problem { problems.append((backup, problem)) }
            try audit(
                AuditEvent(
                    time: clock.now(), actor: actor, tenant: backup.tenant.value, action: AuditAction.backupVerify,
                    target: backup.fileName, outcome: problem == nil ? .success : .failure,
                    details: problem.map { ["problem": $0] } ?? [:]))
        }
        return problems
    }
}
