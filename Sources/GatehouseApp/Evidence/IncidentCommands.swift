import Foundation
import GatehouseCore
import GatehouseStore

/// `gatehouse incident …`: the breach register PIPEDA requires.
public struct IncidentCommands: Sendable {
    let context: GatehouseContext

    public init(_ context: GatehouseContext) { self.context = context }

    public func record(
        title: String, detected: String, tenants: [String], significantHarm: String?, notified: String?
    ) throws(GatehouseError) -> CommandOutput {
        let detectedDay = try CalendarDay(parsing: detected)
        let notifiedDay = try notified.map { text throws(GatehouseError) in try CalendarDay(parsing: text) }
        let prefixes = try tenants.map { text throws(GatehouseError) in try TenantPrefix(text) }
        var harm: Bool?
        if let significantHarm {
            switch significantHarm.lowercased() {
            case "yes": harm = true
            case "no": harm = false
            default: throw .invalidInput("--significant-harm takes yes or no, not '\(significantHarm)'")
            }
        }
        let incident = try context.store().incidents.record(
            title: title, detected: detectedDay, tenants: prefixes, significantHarm: harm, notified: notifiedDay, by: context.actor)
        var notes: [String] = []
        if harm == true && notifiedDay == nil {
            notes.append("warning: a real risk of significant harm must be reported to the Privacy Commissioner and the people affected as soon as feasible; record the notification date when done")
        }
        if harm == nil { notes.append("note: the harm assessment is still open; evidence reports this incident as not handled until it is made") }
        return CommandOutput("recorded incident \(incident.id): \(incident.title)\n", notes: notes)
    }

    public func list(tenant: String?, format: OutputFormat) throws(GatehouseError) -> CommandOutput {
        let prefix = try tenant.map { text throws(GatehouseError) in try TenantPrefix(text) }
        let incidents = try context.store().incidents.list(tenant: prefix)
        struct View: Encodable {
            let id: Int64, title, detected: String, tenants: [String], significantHarm: String, notified: String?, recorded, recordedBy: String
        }
        let views = incidents.map {
            View(
                id: $0.id, title: $0.title, detected: $0.detected.description, tenants: $0.tenants.map(\.value),
                significantHarm: $0.significantHarm.map { $0 ? "yes" : "no" } ?? "not assessed", notified: $0.notified?.description,
                recorded: $0.recordedAt.iso8601, recordedBy: $0.recordedBy)
        }
        if format == .json { return .json(views) }
        var table = TextTable("ID", "DETECTED", "HARM", "NOTIFIED", "TENANTS", "TITLE")
        for view in views {
            table.add(String(view.id), view.detected, view.significantHarm, view.notified ?? "-", view.tenants.joined(separator: ",").ifEmpty("-"), view.title)
        }
        return CommandOutput(table.render(empty: "the breach register is empty; record one with: gatehouse incident record --title T --detected YYYY-MM-DD"))
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
