import Foundation
import GatehouseCore

/// Writes a bundle's files into a working directory and remembers each one's hash for the manifest.
struct BundleBuilder {
    let directory: URL
    let request: EvidenceExportRequest
    let catalog: ControlCatalog
    let policies: [PolicyDocument]
    private(set) var files: [BundleManifest.File] = []
    private(set) var retained: [EvidenceCollector: PopulationRows] = [:]
    private(set) var populationFiles: [EvidenceCollector: (query: PopulationQuery, rows: Int, sha256: String)] = [:]
    private(set) var verdicts: [(control: ControlCatalog.Control, verdict: ControlVerdict)] = []
    private(set) var populationRowCount = 0
    private(set) var auditEventsIncluded = 0
    private(set) var auditSummary: AuditSegmentSummary?
    private(set) var archiveOrder: [String] = []

    init(directory: URL, request: EvidenceExportRequest, catalog: ControlCatalog, policies: [PolicyDocument]) {
        self.directory = directory
        self.request = request
        self.catalog = catalog
        self.policies = policies
    }

    var periodValue: BundleManifest.Period { .init(from: request.period.from.description, to: request.period.to.description) }
    var scope: String { request.tenant.map { "tenant \($0.value)" } ?? "all tenants" }

    mutating func add(_ path: String, _ written: (sha256: String, size: Int64)) {
        files.append(.init(path: path, sha256: written.sha256, size: written.size, mediaType: BundleLayout.mediaType(path)))
    }

    mutating func addJSON(_ path: String, _ value: some Encodable) throws(GatehouseError) {
        let data: Data
        do { data = try JSONText.encoder.encode(value) } catch { throw .environment("cannot encode \(path): \(error)") }
        add(path, try writeFile([UInt8](data) + [0x0A], to: directory.appendingPathComponent(path)))
    }

    // MARK: Populations

    /// Every population, streamed to evidence/<id>.csv with its metadata beside it.
    mutating func collectPopulations(from source: any EvidenceSource, progress: (String) -> Void) throws(GatehouseError) {
        let needed = Set(catalog.controls.flatMap { $0.rule.reads })
        for collector in EvidenceCollector.allCases {
            progress("collecting \(collector.rawValue)")
            let path = "evidence/\(collector.rawValue).csv"
            let writer = try HashingFileWriter(creating: directory.appendingPathComponent(path))
            var query: PopulationQuery?
            var kept: PopulationRows?
            var count = 0
            do {
                try source.population(
                    collector, period: request.period, tenant: request.tenant,
                    header: { described in
                        query = described
                        try writer.write(CSV.line(described.columns))
                        if needed.contains(collector) { kept = PopulationRows(collector: collector, columns: described.columns) }
                    },
                    row: { row in
                        try writer.write(CSV.line(row))
                        kept?.rows.append(row)
                        count += 1
                        if count % 200_000 == 0 { progress("collecting \(collector.rawValue): \(count) rows") }
                    })
            } catch {
                throw EvidenceExporter.mapped(error)
            }
            guard let query else { throw .environment("population \(collector.rawValue) produced no header") }
            let written = try writer.finish()
            add(path, written)
            if let kept { retained[collector] = kept }
            populationFiles[collector] = (query, count, written.sha256)
            populationRowCount += count
            try addJSON(
                "evidence/\(collector.rawValue).json",
                PopulationMetadata(
                    population: collector.rawValue, title: collector.title,
                    kind: collector == .allowlistSnapshot || collector == .cardPolicies
                        ? "state at the end of the period, rebuilt from change events"
                        : collector.isSnapshot ? "snapshot of the configuration at export; statuses are as of the period's end" : "events in the period",
                    file: path, query: query.query, parameters: query.parameters, columns: query.columns, period: periodValue,
                    tenant: request.tenant?.value, rowCount: count, sha256: written.sha256))
        }
    }

    // MARK: Audit segment

    mutating func collectAuditSegment(from source: any EvidenceSource, progress: (String) -> Void) throws(GatehouseError) {
        progress("exporting the audit log's segment for the period")
        let writer = try HashingFileWriter(creating: directory.appendingPathComponent(BundleLayout.auditEvents))
        var segment = AuditSegmentWriter(writer: writer)
        let checkpoints: [SignedAuditCheckpoint]
        do {
            checkpoints = try source.auditSegment(period: request.period, tenant: request.tenant) { entry in
                try segment.write(entry)
                if entry.sequence % 200_000 == 0 { progress("exporting the audit log: event \(entry.sequence)") }
            }
        } catch {
            throw EvidenceExporter.mapped(error)
        }
        add(BundleLayout.auditEvents, try writer.finish())
        try addJSON(BundleLayout.auditCheckpoints, checkpoints.map(AuditCheckpointFile.init))
        let summary = AuditSegmentSummary(
            scope: scope, period: periodValue, firstSequence: segment.first, lastSequence: segment.last,
            eventsIncluded: segment.included, eventsWithheld: segment.withheld, checkpoints: checkpoints.count)
        try addJSON(BundleLayout.auditSegment, summary)
        auditEventsIncluded = segment.included
        auditSummary = summary
    }

    // MARK: Controls, policies

    mutating func writeControls(exportedAt: Date) throws(GatehouseError) {
        let evaluator = RuleEvaluator(period: request.period, populations: retained, policies: policies, exportedAt: exportedAt)
        verdicts = catalog.controls.map { ($0, evaluator.verdict(for: $0)) }
        let matrix = ControlMatrix(
            framework: catalog.framework.rawValue, title: catalog.title, catalogVersion: catalog.version, period: periodValue,
            tenant: request.tenant?.value,
            summary: Dictionary(grouping: verdicts, by: { $0.verdict.state.rawValue }).mapValues(\.count),
            controls: verdicts.map { control, verdict in
                ControlMatrix.Row(
                    id: control.id, title: control.title, statement: control.statement, frequency: control.frequency.rawValue,
                    rule: control.rule.rawValue, status: verdict.state.rawValue, reason: verdict.reason, failingRows: verdict.failingRows,
                    evidence: control.collectors.map { "evidence/\($0.rawValue).csv" },
                    policies: (control.policies ?? []).map { "policies/\($0).md" })
            })
        try addJSON("controls.json", matrix)
        var csv = CSV.line(["id", "title", "frequency", "rule", "status", "reason", "evidence", "policies", "failing_rows"])
        for row in matrix.controls {
            csv += CSV.line([
                row.id, row.title, row.frequency, row.rule, row.status, row.reason, row.evidence.joined(separator: " "),
                row.policies.joined(separator: " "), row.failingRows.joined(separator: "\n"),
            ])
        }
        add("controls.csv", try writeFile(Array(csv.utf8), to: directory.appendingPathComponent("controls.csv")))
    }

    mutating func writePolicies() throws(GatehouseError) {
        for policy in policies {
            let path = "policies/\(policy.id).md"
            add(path, try writeFile(policy.bytes, to: directory.appendingPathComponent(path)))
        }
    }

    mutating func writeOSCAL() throws(GatehouseError) {
        let document = OSCALAssessmentResults.build(
            catalog: catalog, period: request.period, tenant: request.tenant, verdicts: verdicts,
            evidence: files.filter { $0.path.hasPrefix("evidence/") && $0.path.hasSuffix(".csv") },
            populations: populationFiles, generatorVersion: request.generatorVersion)
        try addJSON("oscal/assessment-results.json", document)
    }

    mutating func writeReport() throws(GatehouseError) {
        let html = EvidenceReport(
            catalog: catalog, period: request.period, tenant: request.tenant, verdicts: verdicts, populations: populationFiles,
            policies: policies, audit: auditSummary
        ).html()
        add("report.html", try writeFile(Array(html.utf8), to: directory.appendingPathComponent("report.html")))
    }

    mutating func writeVerifyGuide() throws(GatehouseError) {
        add("VERIFY.md", try writeFile(Array(VerifyGuide.text.utf8), to: directory.appendingPathComponent("VERIFY.md")))
    }

    // MARK: Manifest and signature

    /// Writes manifest.json and returns its bytes, which the signature covers.
    mutating func writeManifest(now: Date, publicKey: [UInt8]) throws(GatehouseError) -> [UInt8] {
        let sorted = files.sorted { $0.path < $1.path }
        let manifest = BundleManifest(
            framework: catalog.framework.rawValue, frameworkTitle: catalog.title, catalogVersion: catalog.version, period: periodValue,
            tenant: request.tenant?.value, generator: .init(name: "gatehouse", version: request.generatorVersion),
            created: UTCTimestamp.format(milliseconds: Int64((now.timeIntervalSince1970 * 1000).rounded())),
            signingKeyFingerprint: SigningKeyFormat.fingerprint(publicKey), files: sorted)
        let data: [UInt8]
        do { data = [UInt8](try JSONText.encoder.encode(manifest)) + [0x0A] } catch { throw .environment("cannot encode the manifest: \(error)") }
        _ = try writeFile(data, to: directory.appendingPathComponent(BundleLayout.manifest))
        archiveOrder = [BundleLayout.manifest, BundleLayout.signature, BundleLayout.signatureInfo, BundleLayout.publicKey] + sorted.map(\.path)
        return data
    }

    func writeSignature(_ signature: [UInt8], publicKey: [UInt8]) throws(GatehouseError) {
        _ = try writeFile(signature, to: directory.appendingPathComponent(BundleLayout.signature))
        _ = try writeFile(Array(SigningKeyFormat.pem(publicKey).utf8), to: directory.appendingPathComponent(BundleLayout.publicKey))
        _ = try writeFile(try BundleSignature.bytes(publicKey: publicKey), to: directory.appendingPathComponent(BundleLayout.signatureInfo))
    }
}

/// evidence/<id>.json: how a population was produced, beside its rows.
struct PopulationMetadata: Codable {
    var population: String
    var title: String
    var kind: String
    var file: String
    var query: String
    var parameters: [String: String]
    var columns: [String]
    var period: BundleManifest.Period
    var tenant: String?
    var rowCount: Int
    var sha256: String
    var source = "the Gatehouse store (SQLite), never log files"

    enum CodingKeys: String, CodingKey {
        case population, title, kind, file, query, parameters, columns, period, tenant, sha256, source
        case rowCount = "row_count"
    }
}

/// controls.json: the control matrix.
struct ControlMatrix: Codable {
    var framework: String
    var title: String
    var catalogVersion: String
    var period: BundleManifest.Period
    var tenant: String?
    var summary: [String: Int]
    var controls: [Row]

    struct Row: Codable {
        var id, title, statement, frequency, rule, status, reason: String
        var failingRows: [String]
        var evidence: [String]
        var policies: [String]

        enum CodingKeys: String, CodingKey {
            case id, title, statement, frequency, rule, status, reason, evidence, policies
            case failingRows = "failing_rows"
        }
    }

    enum CodingKeys: String, CodingKey {
        case framework, title, period, tenant, summary, controls
        case catalogVersion = "catalog_version"
    }
}
