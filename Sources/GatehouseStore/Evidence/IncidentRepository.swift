import Foundation
import GRDB
import GatehouseCore

struct IncidentRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "incident"
    var id: Int64?
    var title: String
    var detectedDay: String
    var tenants: String
    var significantHarm: Bool?
    var notifiedDay: String?
    var recordedAt: Int64
    var recordedBy: String

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    func incident() throws(GatehouseError) -> Incident {
        Incident(
            id: id ?? 0, title: title, detected: try CalendarDay(parsing: detectedDay),
            tenants: try tenants.split(separator: ",").map { piece throws(GatehouseError) in try TenantPrefix(String(piece)) },
            significantHarm: significantHarm, notified: try notifiedDay.map { text throws(GatehouseError) in try CalendarDay(parsing: text) },
            recordedAt: Date(milliseconds: recordedAt), recordedBy: recordedBy)
    }
}

/// The breach register: entries are added and may later gain their harm assessment and
/// notification date; the schema refuses any other change and every deletion.
public struct IncidentRepository: Sendable {
    let database: AppDatabase

    public func record(
        title: String, detected: CalendarDay, tenants: [TenantPrefix], significantHarm: Bool?, notified: CalendarDay?,
        by actor: AuditActor
    ) throws(GatehouseError) -> Incident {
        let now = database.clock.now()
        try Incident.validate(title: title, detected: detected, notified: notified, today: CalendarDay(now))
        let unique = Array(Set(tenants.map(\.value))).sorted()
        return try database.write { db in
            for prefix in unique where try TenantRecord.filter(Column("prefix") == prefix).fetchCount(db) == 0 {
                throw GatehouseError.notFound("no tenant '\(prefix)'; list them with 'gatehouse tenant list'")
            }
            var record = IncidentRecord(
                id: nil, title: title.trimmingCharacters(in: .whitespacesAndNewlines), detectedDay: detected.description,
                tenants: unique.joined(separator: ","), significantHarm: significantHarm, notifiedDay: notified?.description,
                recordedAt: now.milliseconds, recordedBy: actor.description)
            try record.insert(db)
            var details = ["detected": detected.description, "significant_harm": significantHarm.map { $0 ? "yes" : "no" } ?? "not assessed"]
            if let notified { details["notified"] = notified.description }
            if !unique.isEmpty { details["tenants"] = unique.joined(separator: ",") }
            try database.audit.append(
                AuditEvent(
                    time: now, actor: actor, tenant: unique.count == 1 ? unique[0] : nil, action: AuditAction.incidentRecord,
                    target: "incident-\(record.id!)", details: details),
                in: db)
            return try record.incident()
        }
    }

    /// Every entry, oldest first; with `tenant`, those naming it.
    public func list(tenant: TenantPrefix? = nil) throws(GatehouseError) -> [Incident] {
        let records = try database.read { db in try IncidentRecord.order(Column("id")).fetchAll(db) }
        var incidents: [Incident] = []
        for record in records {
            let incident = try record.incident()
            if let tenant, !incident.tenants.contains(tenant) { continue }
            incidents.append(incident)
        }
        return incidents
    }
}

extension AppDatabase {
    public var incidents: IncidentRepository { IncidentRepository(database: self) }
}
