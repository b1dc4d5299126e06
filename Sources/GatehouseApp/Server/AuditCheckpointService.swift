import GatehouseCore
import GatehouseStore
import Logging
import ServiceLifecycle

/// Signs the audit chain's head on start, every `interval` while events arrive, and on shutdown.
struct AuditCheckpointService: Service {
    let store: AppDatabase
    let interval: Duration
    let logger: Logger

    func run() async throws {
        checkpoint(onlyIfNew: true)
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                checkpoint(onlyIfNew: true)
            }
        }
        checkpoint(onlyIfNew: true)
    }

    private func checkpoint(onlyIfNew: Bool) {
        do {
            if let checkpoint = try store.audit.checkpoint(by: .system("audit"), onlyIfNew: onlyIfNew) {
                logger.info("audit checkpoint signed", metadata: ["sequence": "\(checkpoint.sequence)"])
            }
        } catch {
            logger.error("audit checkpoint failed", metadata: ["error": "\(error)"])
        }
    }
}
