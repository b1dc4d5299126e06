import Foundation
import GatehouseCore
import GatehouseEvidence
import GatehouseHTTP
import Synchronization

/// `POST /api/v1/evidence`: an evidence bundle for auditors (their own tenant) and operators (any
/// tenant, or all). The body names the framework and period; the answer is the signed ZIP.
struct AdminEvidence {
    let context: GatehouseContext
    let call: AdminCall
    static let running = Mutex(false)

    func export() async throws -> AdminResponse {
        let object = try call.object()
        let framework = try Framework(parsing: try call.string(object, "framework") ?? "")
        let period = try EvidencePeriod(
            from: try CalendarDay(parsing: try call.string(object, "from") ?? ""), to: try CalendarDay(parsing: try call.string(object, "to") ?? ""))
        let tenant = try call.string(object, "tenant", required: false).map { text throws(GatehouseError) in try TenantPrefix(text) }
        if let tenant {
            try call.require(.exportEvidence, on: tenant)
        } else if !call.isOperator {
            throw AdminDenial(message: "only platform operators export evidence for all tenants; give \"tenant\"")
        }
        // Exports read the whole period and hold the bundle in memory to answer: one at a time.
        guard Self.running.withLock({ running in
            if running { return false }
            running = true
            return true
        }) else {
            throw GatehouseError.refused("another evidence export is running; try again when it has finished")
        }
        defer { Self.running.withLock { $0 = false } }
        let exports = URL(fileURLWithPath: context.settings.dataPath).appendingPathComponent("exports", isDirectory: true)
        try? FileManager.default.createDirectory(at: exports, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let output = exports.appendingPathComponent("evidence-\(framework.rawValue)-\(period.from)-\(period.to)-\(UUID().uuidString).zip")
        defer { try? FileManager.default.removeItem(at: output) }
        let context = context, actor = call.actor
        // An export reads the whole period: off the cooperative pool, on a thread of its own.
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                do {
                    _ = try EvidenceCommands.export(
                        context: context, framework: framework, period: period, tenant: tenant, output: output, actor: actor, progress: { _ in })
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
        let data: Data
        do { data = try Data(contentsOf: output) } catch { throw GatehouseError.environment("the bundle could not be read back") }
        return AdminResponse(status: 200, body: data, contentType: "application/zip")
    }
}
