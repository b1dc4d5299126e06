import GatehouseCore
import Logging
import Synchronization

/// Collects per-request audit events (card tokenization) and writes them in one transaction a
/// second, so a busy gateway makes one database write per second instead of one per request.
final class AuditQueue: Sendable {
    private let pending = Mutex<[AuditEvent]>([])

    func add(_ event: AuditEvent) {
        pending.withLock { $0.append(event) }
    }

    func flush(to audit: any AuditSink, logger: Logger) async {
        let events = pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        guard !events.isEmpty else { return }
        // Not cancellable: shutdown must not lose the last second's events.
        let written = await Task {
            do {
                try await audit.record(events)
                return true
            } catch {
                logger.error("audit write failed; kept for the next attempt", metadata: ["events": "\(events.count)", "error": "\(error)"])
                return false
            }
        }.value
        if !written { pending.withLock { $0.insert(contentsOf: events, at: 0) } }
    }
}
