import Foundation
import GatehouseCore
import GatehouseStore
import Logging
import ServiceLifecycle

/// `gatehouse serve`: every long-running part of Gatehouse as services of one `ServiceGroup`.
/// SIGTERM or SIGINT shuts them down gracefully. Listeners join as their capabilities land.
public struct GatehouseServer: Sendable {
    let context: GatehouseContext
    let checkpointInterval: Duration

    public init(_ context: GatehouseContext, checkpointInterval: Duration = .seconds(3600)) {
        self.context = context
        self.checkpointInterval = checkpointInterval
    }

    public func run() async throws {
        let logger = Logger(label: "gatehouse")
        let store = try context.store()
        try await store.audit.record(
            AuditEvent(time: context.now, actor: .system("server"), action: AuditAction.serverStart,
                       details: ["pid": String(ProcessInfo.processInfo.processIdentifier)]))
        let journal = try store.journalMode()
        logger.info("gatehouse serving", metadata: ["data": "\(store.dataDirectory.url.path)", "journal": "\(journal)"])
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: AuditCheckpointService(store: store, interval: checkpointInterval, logger: logger))
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        try await store.audit.record(AuditEvent(time: context.now, actor: .system("server"), action: AuditAction.serverStop))
        try store.audit.checkpoint(by: .system("audit"), onlyIfNew: true)
        logger.info("gatehouse stopped cleanly")
    }
}
