import Foundation
import GRDB
import GatehouseCore

/// The store's implementation of the evidence port: populations by SQL (the text travels with the
/// rows), the audit segment from the chain itself, and signatures by the platform's sealed key.
public struct StoreEvidenceSource: EvidenceSource {
    let database: AppDatabase
    /// Settings compiled into the listeners, which the store does not hold: (setting, value).
    let tlsSettings: [(String, String)]
    let tlsSettingsOrigin: String

    public init(database: AppDatabase, tlsSettings: [(String, String)], tlsSettingsOrigin: String) {
        self.database = database
        self.tlsSettings = tlsSettings
        self.tlsSettingsOrigin = tlsSettingsOrigin
    }

    static let timestampColumns: Set<String> = [
        "time", "created", "subscription_expires", "oldest_backup", "not_before", "not_after", "recorded_at",
    ]

    public func population(
        _ collector: EvidenceCollector, period: EvidencePeriod, tenant: TenantPrefix?,
        header: (PopulationQuery) throws -> Void, row: ([String]) throws -> Void
    ) throws {
        var parameters = ["from": period.from.description, "to": period.to.description]
        if let tenant { parameters["tenant"] = tenant.value }
        switch collector {
        case .tlsConfiguration:
            try header(PopulationQuery(collector: collector, query: tlsSettingsOrigin, parameters: parameters, columns: ["setting", "value"]))
            for (setting, value) in tlsSettings { try row([setting, value]) }
            return
        case .auditVerification:
            return try auditVerification(period: period, parameters: parameters, header: header, row: row)
        default:
            break
        }
        guard let (sql, columns) = EvidencePopulations.query(for: collector, tenant: tenant != nil) else {
            throw GatehouseError.environment("no query for population \(collector.rawValue)")
        }
        var arguments: [String: (any DatabaseValueConvertible)?] = [:]
        if sql.contains(":start") { arguments["start"] = period.start.milliseconds }
        if sql.contains(":end") { arguments["end"] = period.end.milliseconds }
        if sql.contains(":from") { arguments["from"] = period.from.description }
        if sql.contains(":to") { arguments["to"] = period.to.description }
        if let tenant, sql.contains(":tenant") { arguments["tenant"] = tenant.value }
        parameters["start"] = String(period.start.milliseconds)
        parameters["end"] = String(period.end.milliseconds)
        try header(PopulationQuery(collector: collector, query: sql, parameters: parameters, columns: columns))
        let timestampIndexes = Set(columns.indices.filter { Self.timestampColumns.contains(columns[$0]) })
        let processorIndex = columns.firstIndex(of: "card_processor")
        try database.read { db in
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments))
            var values = [String](repeating: "", count: columns.count)
            while let record = try cursor.next() {
                for index in 0..<columns.count {
                    let value: DatabaseValue = record[index]
                    if timestampIndexes.contains(index), let milliseconds = Int64.fromDatabaseValue(value) {
                        values[index] = UTCTimestamp.format(milliseconds: milliseconds)
                    } else if index == processorIndex, let text = String.fromDatabaseValue(value) {
                        values[index] = Self.originOnly(text)
                    } else {
                        values[index] = Self.text(value)
                    }
                }
                try row(values)
            }
        }
    }

    static func text(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: ""
        case .int64(let number): String(number)
        case .double(let number): String(number)
        case .string(let text): text
        case .blob(let data): data.hexString
        }
    }

    /// A processor URL as scheme://host[:port]: a path or query could carry a credential.
    static func originOnly(_ text: String) -> String {
        text.isEmpty ? "" : (try? CardProcessorURL(text))?.origin ?? "configured"
    }

    /// The chain's verification, then what the period holds. Counts cover the whole chain, not a
    /// tenant: the chain is one sequence.
    private func auditVerification(
        period: EvidencePeriod, parameters: [String: String], header: (PopulationQuery) throws -> Void,
        row: ([String]) throws -> Void
    ) throws {
        let verification = try database.audit.verify()
        try header(Self.auditVerificationQuery(parameters: parameters, period: period))
        try row(["chain_intact", verification.isIntact ? "yes" : "no"])
        try row(["problem", verification.problem ?? ""])
        let (events, first, last, checkpoints, covering) = try database.read { db in
            let range = try Row.fetchOne(
                db, sql: "SELECT count(*), min(sequence), max(sequence) FROM auditEvent WHERE time >= ? AND time < ?",
                arguments: [period.start.milliseconds, period.end.milliseconds])!
            let last: Int64? = range[2]
            let checkpoints = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM auditCheckpoint WHERE time >= ? AND time < ?",
                arguments: [period.start.milliseconds, period.end.milliseconds]) ?? 0
            let covering = try Int64.fetchOne(
                db, sql: "SELECT min(sequence) FROM auditCheckpoint WHERE sequence >= ?", arguments: [last ?? Int64.max])
            return (range[0] as Int, range[1] as Int64?, last, checkpoints, covering)
        }
        try row(["events_in_period", String(events)])
        try row(["first_sequence", first.map(String.init) ?? ""])
        try row(["last_sequence", last.map(String.init) ?? ""])
        try row(["checkpoints_in_period", String(checkpoints)])
        try row(["checkpoint_covering_period", covering.map(String.init) ?? ""])
    }

    static func auditVerificationQuery(parameters: [String: String], period: EvidencePeriod) -> PopulationQuery {
        PopulationQuery(
            collector: .auditVerification,
            query: """
                AuditLog.verify(): from event 1, recompute each SHA-256(previous hash || canonical event), check every link,
                the signed chain head and every checkpoint's Ed25519 signature; then
                SELECT count(*), min(sequence), max(sequence) FROM auditEvent WHERE time >= :start AND time < :end;
                SELECT count(*) FROM auditCheckpoint WHERE time >= :start AND time < :end;
                SELECT min(sequence) FROM auditCheckpoint WHERE sequence >= <last sequence of the period>
                """,
            parameters: parameters.merging(["start": String(period.start.milliseconds), "end": String(period.end.milliseconds)]) { $1 },
            columns: ["check", "result"])
    }
}
