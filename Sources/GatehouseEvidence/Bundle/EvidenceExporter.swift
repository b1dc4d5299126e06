import Foundation
import GatehouseCore

/// What to export.
public struct EvidenceExportRequest: Sendable {
    public let framework: Framework
    public let period: EvidencePeriod
    public let tenant: TenantPrefix?
    public let policiesDirectory: URL
    public let output: URL
    public let generatorVersion: String

    public init(
        framework: Framework, period: EvidencePeriod, tenant: TenantPrefix?, policiesDirectory: URL, output: URL, generatorVersion: String
    ) {
        self.framework = framework
        self.period = period
        self.tenant = tenant
        self.policiesDirectory = policiesDirectory
        self.output = output
        self.generatorVersion = generatorVersion
    }
}

/// What an export produced, for the CLI, the admin API and the audit event.
public struct EvidenceExportSummary: Sendable {
    public let output: URL
    public let sha256: String
    public let size: Int64
    public let files: Int
    public let controls: [(id: String, state: ControlState)]
    public let populationRows: Int
    public let auditEvents: Int
    public let signingKeyFingerprint: String
}

/// Builds a bundle: populations streamed from the store to files (hashed as written), the control
/// matrix, policies, OSCAL, a report, the audit segment, a signed manifest, then one ZIP.
/// Memory stays flat in the number of events: only the small populations the rules read are held.
public struct EvidenceExporter: Sendable {
    let source: any EvidenceSource

    public init(source: any EvidenceSource) { self.source = source }

    public func export(
        _ request: EvidenceExportRequest, now: Date, progress: (String) -> Void = { _ in }
    ) throws(GatehouseError) -> EvidenceExportSummary {
        let catalog = try ControlCatalog.load(request.framework, from: request.policiesDirectory)
        let policies = try PolicyDocument.loadAll(from: request.policiesDirectory)
        for control in catalog.controls {
            for id in control.policies ?? [] where !policies.contains(where: { $0.id == id }) {
                throw .environment("control \(control.id) names policy '\(id)', but \(request.policiesDirectory.path)/\(id).md is missing")
            }
        }
        if FileManager.default.fileExists(atPath: request.output.path) {
            throw .conflict("\(request.output.path) already exists; choose another --out or remove it first")
        }
        var isDirectory: ObjCBool = false
        let folder = request.output.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .notFound("the folder \(folder.path) does not exist; create it or choose another --out")
        }
        let work = request.output.deletingLastPathComponent()
            .appendingPathComponent(".\(request.output.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .environment("cannot create \(work.path): \(error.localizedDescription); check that the --out folder exists and is writable")
        }
        defer { try? FileManager.default.removeItem(at: work) }

        var builder = BundleBuilder(directory: work, request: request, catalog: catalog, policies: policies)
        // The segment first: it signs a checkpoint over the period's end when none exists yet, which
        // the audit-verification population then reports.
        try builder.collectAuditSegment(from: source, progress: progress)
        try builder.collectPopulations(from: source, progress: progress)
        progress("evaluating \(catalog.controls.count) controls")
        try builder.writeControls(exportedAt: now)
        try builder.writePolicies()
        try builder.writeOSCAL()
        try builder.writeReport()
        try builder.writeVerifyGuide()
        progress("signing the manifest")
        let publicKey: [UInt8]
        do { publicKey = try source.signingPublicKey() } catch { throw Self.mapped(error) }
        let manifestBytes = try builder.writeManifest(now: now, publicKey: publicKey)
        let signature: [UInt8]
        do { signature = try source.sign(manifestBytes) } catch { throw Self.mapped(error) }
        try builder.writeSignature(signature, publicKey: publicKey)
        progress("writing \(request.output.lastPathComponent)")
        let (sha256, size) = try BundleArchive.write(
            directory: work, files: builder.archiveOrder, to: request.output, modificationDate: request.period.end)
        return EvidenceExportSummary(
            output: request.output, sha256: sha256, size: size, files: builder.archiveOrder.count,
            controls: builder.verdicts.map { ($0.control.id, $0.verdict.state) }, populationRows: builder.populationRowCount,
            auditEvents: builder.auditEventsIncluded, signingKeyFingerprint: SigningKeyFormat.fingerprint(publicKey))
    }

    static func mapped(_ error: any Error) -> GatehouseError {
        (error as? GatehouseError) ?? .environment("evidence export failed: \(error)")
    }
}
