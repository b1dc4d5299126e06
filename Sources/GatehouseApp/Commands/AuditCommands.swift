import Foundation
import GatehouseCore
import GatehouseStore

/// `gatehouse audit …`
public struct AuditCommands: Sendable {
    let context: GatehouseContext

    public init(_ context: GatehouseContext) { self.context = context }

    public func list(tenant: String?, since: String?, limit: Int?, format: OutputFormat) throws(GatehouseError) -> CommandOutput {
        let scope: AuditLog.Scope
        switch tenant {
        case nil: scope = .all
        case UserScope.platformKeyword: scope = .platform
        case let prefix?: scope = .tenant(try TenantPrefix(prefix).value)
        }
        if let limit, limit <= 0 { throw .invalidInput("--limit must be a positive number") }
        let sinceDate = try since.map { text throws(GatehouseError) in try CalendarDay(parsing: text).start }
        let events = try context.store().audit.events(scope, since: sinceDate, limit: limit)
        struct View: Encodable {
            let sequence: Int64, time, actor: String, tenant: String?, source: String?, action: String
            let target: String?, outcome: String, details: [String: String], hash: String
        }
        let views = events.map {
            View(
                sequence: $0.sequence, time: $0.event.time.iso8601, actor: $0.event.actor, tenant: $0.event.tenant,
                source: $0.event.sourceIP, action: $0.event.action, target: $0.event.target,
                outcome: $0.event.outcome.rawValue, details: $0.event.details,
                hash: $0.hash.map { String(format: "%02x", $0) }.joined())
        }
        if format == .json { return .json(views) }
        var table = TextTable("SEQ", "TIME", "ACTOR", "TENANT", "SOURCE", "ACTION", "TARGET", "OUTCOME", "DETAILS")
        for view in views {
            table.add(
                String(view.sequence), view.time, view.actor, view.tenant ?? "-", view.source ?? "-", view.action,
                view.target ?? "-", view.outcome,
                view.details.keys.sorted().map { "\($0)=\(view.details[$0]!)" }.joined(separator: " "))
        }
        return CommandOutput(table.render(empty: "no audit events match"))
    }

    /// Exit status 0 when intact; the caller exits 1 when `problem` is set.
    public func verify() throws(GatehouseError) -> (output: CommandOutput, intact: Bool) {
        let result = try context.store().audit.verify()
        let outcome: AuditOutcome = result.isIntact ? .success : .failure
        try context.store().audit.record(
            AuditEvent(
                time: context.now, actor: context.actor, action: AuditAction.auditVerify, outcome: outcome,
                details: ["events": String(result.eventCount), "checkpoints": String(result.checkpointCount)]))
        if let problem = result.problem {
            return (CommandOutput(notes: ["audit log is NOT intact: \(problem)"]), false)
        }
        return (
            CommandOutput(
                "audit log intact: \(result.eventCount) events, \(result.checkpointCount) signed checkpoints, chain head at event \(result.lastSequence)\n"),
            true
        )
    }

    public func checkpoint() throws(GatehouseError) -> CommandOutput {
        guard let checkpoint = try context.store().audit.checkpoint(by: context.actor) else {
            return CommandOutput("no new events since the last checkpoint\n")
        }
        return CommandOutput(
            "signed checkpoint at event \(checkpoint.sequence), hash \(checkpoint.hash.map { String(format: "%02x", $0) }.joined())\n")
    }
}
