import Foundation
import GatehouseBackup
import GatehouseCore
import GatehouseStore

/// `gatehouse backup …`
public struct BackupCommands: Sendable {
    let context: GatehouseContext

    public init(_ context: GatehouseContext) { self.context = context }

    /// The engine over the store's catalogue and audit log, writing under `<data>/backups`.
    static func engine(_ context: GatehouseContext) throws(GatehouseError) -> BackupEngine {
        let store = try context.store()
        let audit = store.audit
        return BackupEngine(
            files: BackupFiles(root: URL(fileURLWithPath: context.settings.dataPath).appendingPathComponent("backups", isDirectory: true)),
            catalog: store.backups, clock: context.clock, actor: context.actor, audit: { event throws(GatehouseError) in try audit.record(event) })
    }

    /// A full backup of one tenant, or of every tenant with a database.
    public func run(_ prefixText: String?) throws(GatehouseError) -> (output: CommandOutput, failed: Bool) {
        let store = try context.store()
        let tenants: [Tenant]
        if let prefixText {
            let tenant = try store.tenants.find(try TenantPrefix(prefixText))
            guard tenant.databasePath != nil else {
                throw .invalidInput("tenant \(tenant.prefix) has no database to back up; set one with 'gatehouse tenant create … --database PATH'")
            }
            tenants = [tenant]
        } else {
            tenants = try store.tenants.all().filter { $0.databasePath != nil }
        }
        let engine = try Self.engine(context)
        var lines: [String] = [], notes: [String] = []
        var failed = false
        for tenant in tenants {
            var lastReport = Date()
            do {
                let backup = try engine.run(tenant: tenant.prefix, database: tenant.databasePath!, kind: .full) { done, total in
                    guard total > 25_600, Date().timeIntervalSince(lastReport) >= 1 else { return }  // > 100 MB at 4 KiB pages
                    lastReport = Date()
                    FileHandle.standardError.write(Data("\(tenant.prefix): copied \(done * 100 / max(total, 1))% of \(total) pages\n".utf8))
                }
                lines.append("\(tenant.prefix): \(backup.fileName) (\(Self.size(backup.sizeBytes)), sha256 \(backup.sha256))")
            } catch {
                failed = true
                notes.append("error: backup of \(tenant.prefix) failed: \(error.message)")
            }
        }
        if tenants.isEmpty { notes.append("no tenant has a database to back up") }
        return (CommandOutput(lines.map { $0 + "\n" }.joined(), notes: notes), failed)
    }

    public func list(_ prefixText: String, format: OutputFormat) throws(GatehouseError) -> CommandOutput {
        let backups = try context.store().backups.backups(of: try TenantPrefix(prefixText))
        struct View: Encodable {
            let id: Int64, kind, file, created, expires: String, bytes: Int64, sha256: String
        }
        let views = backups.map {
            View(
                id: $0.id, kind: $0.kind.rawValue, file: $0.fileName, created: $0.createdAt.iso8601, expires: $0.expiresAt.iso8601,
                bytes: $0.sizeBytes, sha256: $0.sha256)
        }
        if format == .json { return .json(views) }
        var table = TextTable("ID", "KIND", "CREATED", "EXPIRES", "SIZE", "SHA256", "FILE")
        for view in views {
            table.add(String(view.id), view.kind, view.created, view.expires, Self.size(view.bytes), String(view.sha256.prefix(12)) + "…", view.file)
        }
        return CommandOutput(table.render(empty: "no backups of \(prefixText) yet; make one with: gatehouse backup run \(prefixText)"))
    }

    public func prune() throws(GatehouseError) -> CommandOutput {
        let removed = try Self.engine(context).prune(tenants: try context.store().tenants.all().map(\.prefix))
        return CommandOutput(
            removed.map { "removed \($0.tenant)/\($0.fileName) (made \($0.createdAt.iso8601))\n" }.joined()
                + "\(removed.count) backup\(removed.count == 1 ? "" : "s") older than 7 days removed\n")
    }

    public func verify(_ prefixText: String, id: Int64?) throws(GatehouseError) -> (output: CommandOutput, failed: Bool) {
        let prefix = try TenantPrefix(prefixText)
        var backups = try context.store().backups.backups(of: prefix)
        if let id {
            backups = backups.filter { $0.id == id }
            guard !backups.isEmpty else { throw .notFound("no backup \(id) of \(prefix); see 'gatehouse backup list \(prefix)'") }
        }
        guard !backups.isEmpty else { throw .notFound("no backups of \(prefix) to verify; make one with: gatehouse backup run \(prefix)") }
        let problems = try Self.engine(context).verify(backups)
        let failedIDs = Set(problems.map(\.0.id))
        var lines = backups.filter { !failedIDs.contains($0.id) }.map { "ok      \($0.fileName)\n" }
        lines += problems.map { "FAILED  \($0.0.fileName): \($0.1)\n" }
        return (CommandOutput(lines.joined()), !problems.isEmpty)
    }

    static func size(_ bytes: Int64) -> String {
        ByteCountFormatter.string(fromByteCount: bytes, countStyle: .binary)
    }
}
