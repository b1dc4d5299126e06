import Foundation
import GatehouseCore
import Logging
import Synchronization

/// Counts tokenized requests and writes them to the audit log once a second: one `card.tokenize`
/// event per tenant, user, address, host and path (own tokens or the processor's) with the number
/// of requests, fields and security codes, so a busy gateway neither writes nor hashes an audit
/// row per request. Each request's own count is in its access log line.
final class TokenizationTally: Sendable {
    struct Key: Hashable {
        /// Days since 1970 (UTC): a second that straddles midnight counts on each side.
        let day: Int
        let tenant: String
        let userID: Int64
        let sourceIP: IPAddress
        let host: String
        let viaProcessor: Bool

        init(at time: Date, tenant: String, userID: Int64, sourceIP: IPAddress, host: String, viaProcessor: Bool) {
            day = Int((time.timeIntervalSince1970 / 86_400).rounded(.down))
            self.tenant = tenant
            self.userID = userID
            self.sourceIP = sourceIP
            self.host = host
            self.viaProcessor = viaProcessor
        }
    }

    struct Counts: Equatable {
        /// When the first request of this second was tokenized: the event's time.
        var first: Date
        /// The user's qualified name, made once per key and second rather than per request.
        var user: String
        var requests = 0
        var fields = 0
        var securityCodes = 0
    }

    private struct State {
        var counts: [Key: Counts] = [:]
        /// Events a failed write left behind, written first next time.
        var unwritten: [AuditEvent] = []
    }

    private let state = Mutex(State())

    func add(_ key: Key, user: User, at time: Date, fields: Int, securityCodes: Int) {
        state.withLock { state in
            state.counts[key, default: Counts(first: time, user: user.qualifiedName)].add(fields: fields, securityCodes: securityCodes)
        }
    }

    /// The audit events still to write: earlier unwritten ones, then this second's counts, oldest first.
    func drain() -> [AuditEvent] {
        let (unwritten, counted) = state.withLock { state in
            defer {
                state.counts.removeAll(keepingCapacity: true)
                state.unwritten.removeAll()
            }
            return (state.unwritten, state.counts)
        }
        return unwritten + counted.sorted { $0.value.first < $1.value.first }.map { key, counts in
            AuditEvent(
                time: counts.first, actor: .user(counts.user), tenant: key.tenant, sourceIP: key.sourceIP.description,
                action: AuditAction.cardTokenized, target: key.host, outcome: .success,
                details: [
                    "requests": String(counts.requests), "fields": String(counts.fields),
                    "security_codes_removed": String(counts.securityCodes), "processor": key.viaProcessor ? "yes" : "no",
                ])
        }
    }

    /// Writes what was counted; on failure the events are kept for the next attempt.
    func flush(to audit: any AuditSink, logger: Logger) async {
        let events = drain()
        guard !events.isEmpty else { return }
        // Not cancellable: shutdown must not lose the last second's counts.
        let written = await Task {
            do {
                try await audit.record(events)
                return true
            } catch {
                logger.error("audit write failed; kept for the next attempt", metadata: ["events": "\(events.count)", "error": "\(error)"])
                return false
            }
        }.value
        if !written { state.withLock { $0.unwritten.insert(contentsOf: events, at: 0) } }
    }
}

extension TokenizationTally.Counts {
    mutating func add(fields: Int, securityCodes: Int) {
        requests += 1
        self.fields += fields
        self.securityCodes += securityCodes
    }
}
