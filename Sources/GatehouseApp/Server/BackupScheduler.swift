import Foundation
import GatehouseBackup
import GatehouseCore
import GatehouseStore
import Logging
import Metrics
import ServiceLifecycle

/// Backs up every tenant with a database on the schedule (a daily full copy in its window, frequent
/// copies between) and prunes what is older than 7 days. Checks once a minute; backups run one at
/// a time on a thread of their own, never on the cooperative pool.
struct BackupScheduler: Service {
    let context: GatehouseContext
    let schedule: BackupSchedule
    let engine: BackupEngine
    let logger: Logger
    let failures = Counter(label: "gatehouse_backup_failures_total")
    let completed = Counter(label: "gatehouse_backups_total")

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    Thread.detachNewThread {
                        tick()
                        done.resume()
                    }
                }
                try await Task.sleep(for: .seconds(60))
            }
        }
    }

    /// One pass: what is due, then retention.
    func tick() {
        do {
            let store = try context.store()
            let tenants = try store.tenants.all()
            let now = context.clock.now()
            for tenant in tenants {
                guard let database = tenant.databasePath, tenant.subscription.state(at: now) == .active else { continue }
                let backups = try store.backups.backups(of: tenant.prefix)
                let lastFull = backups.last { $0.kind == .full }?.createdAt
                guard let kind = schedule.due(lastFull: lastFull, lastAny: backups.last?.createdAt, now: now) else { continue }
                do {
                    let backup = try engine.run(tenant: tenant.prefix, database: database, kind: kind)
                    completed.increment()
                    logger.info("backup made", metadata: ["tenant": "\(tenant.prefix)", "file": "\(backup.fileName)", "bytes": "\(backup.sizeBytes)"])
                } catch {
                    failures.increment()
                    logger.error("backup failed", metadata: ["tenant": "\(tenant.prefix)", "error": "\(error.message)"])
                }
            }
            let removed = try engine.prune(tenants: tenants.map(\.prefix))
            if !removed.isEmpty { logger.info("backups pruned", metadata: ["removed": "\(removed.count)"]) }
        } catch {
            failures.increment()
            logger.error("backup scheduling failed", metadata: ["error": "\(error)"])
        }
    }
}
