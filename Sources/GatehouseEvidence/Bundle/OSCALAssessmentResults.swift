import Crypto
import Foundation
import GatehouseCore

/// oscal/assessment-results.json (OSCAL 1.2.3): one result for the period, the reviewed controls,
/// an observation per population and a finding per control. UUIDs derive from the bundle's subject
/// (framework, period, tenant, name), so the same data gives the same file.
enum OSCALAssessmentResults {
    static let version = "1.2.3"
    static let namespace = "https://gatehouse.dev/ns/oscal"

    static func build(
        catalog: ControlCatalog, period: EvidencePeriod, tenant: TenantPrefix?,
        verdicts: [(control: ControlCatalog.Control, verdict: ControlVerdict)], evidence: [BundleManifest.File],
        populations: [EvidenceCollector: (query: PopulationQuery, rows: Int, sha256: String)], generatorVersion: String
    ) -> Document {
        let subject = "\(catalog.framework.rawValue)|\(period.from)|\(period.to)|\(tenant?.value ?? "*")"
        func uuid(_ name: String) -> String { deterministicUUID("\(subject)|\(name)") }
        let end = UTCTimestamp.format(milliseconds: Int64(period.end.timeIntervalSince1970 * 1000))
        let start = UTCTimestamp.format(milliseconds: Int64(period.start.timeIntervalSince1970 * 1000))
        let planResource = uuid("resource:assessment-plan")
        var resources = [
            Resource(
                uuid: planResource, title: "Control catalog and rules (\(catalog.framework.rawValue) \(catalog.version))",
                rlinks: [RLink(href: "../controls.json", mediaType: "application/json", hashes: nil)])
        ]
        var observations: [Observation] = []
        var observationByCollector: [EvidenceCollector: String] = [:]
        for collector in EvidenceCollector.allCases {
            guard let population = populations[collector],
                  let file = evidence.first(where: { $0.path == "evidence/\(collector.rawValue).csv" })
            else { continue }
            let resource = uuid("resource:\(collector.rawValue)")
            resources.append(
                Resource(
                    uuid: resource, title: file.path,
                    rlinks: [RLink(href: "../\(file.path)", mediaType: "text/csv", hashes: [Hash(algorithm: "SHA-256", value: file.sha256)])]))
            let observation = uuid("observation:\(collector.rawValue)")
            observationByCollector[collector] = observation
            observations.append(
                Observation(
                    uuid: observation, title: collector.title,
                    description: "\(population.rows) rows produced by the query in evidence/\(collector.rawValue).json (SHA-256 \(population.sha256)).",
                    methods: [collector.isSnapshot ? "EXAMINE" : "TEST"], collected: end,
                    relevantEvidence: [RelevantEvidence(href: "#\(resource)", description: "Population \(collector.rawValue) for \(period)")]))
        }
        let findings = verdicts.map { control, verdict in
            var remarks = verdict.reason
            if !verdict.failingRows.isEmpty { remarks += "\n" + verdict.failingRows.joined(separator: "\n") }
            return Finding(
                uuid: uuid("finding:\(control.id)"), title: "\(control.id) \(control.title)",
                description: control.statement,
                props: [Prop(name: "evidence-status", ns: namespace, value: verdict.state.rawValue.replacingOccurrences(of: " ", with: "-"))],
                target: Target(
                    type: "objective-id", targetID: oscalControlID(control.id),
                    status: Status(
                        state: verdict.state == .satisfied ? "satisfied" : "not-satisfied",
                        reason: verdict.state == .satisfied ? "pass" : verdict.state == .notSatisfied ? "fail" : "other", remarks: remarks)),
                relatedObservations: Optional(control.collectors.compactMap { observationByCollector[$0] }.map { RelatedObservation(observationUUID: $0) })
                    .flatMap { $0.isEmpty ? nil : $0 })
        }
        let result = Result(
            uuid: uuid("result"), title: "Gatehouse evidence: \(catalog.title)",
            description: "Controls evaluated by Gatehouse from its store for \(period)\(tenant.map { ", tenant \($0.value)" } ?? ", all tenants").",
            start: start, end: end,
            reviewedControls: ReviewedControls(controlSelections: [
                ControlSelection(includeControls: verdicts.map { SelectControl(controlID: oscalControlID($0.control.id)) })
            ]),
            observations: observations, findings: findings)
        return Document(
            assessmentResults: AssessmentResults(
                uuid: uuid("assessment-results"),
                metadata: Metadata(
                    title: "\(catalog.title): evidence for \(period)\(tenant.map { " (tenant \($0.value))" } ?? "")",
                    lastModified: end, version: "\(catalog.version)+gatehouse-\(generatorVersion)", oscalVersion: version),
                importAP: ImportAP(href: "#\(planResource)"), results: [result], backMatter: BackMatter(resources: resources)))
    }

    /// OSCAL control ids are tokens; catalogs conventionally write them in lower case.
    static func oscalControlID(_ id: String) -> String { id.lowercased() }

    /// A version-5-shaped UUID from SHA-256 of the name.
    static func deterministicUUID(_ name: String) -> String {
        var bytes = Array(SHA256.hash(data: Array("gatehouse-oscal|\(name)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.hexString
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    struct Document: Codable {
        var assessmentResults: AssessmentResults
        enum CodingKeys: String, CodingKey { case assessmentResults = "assessment-results" }
    }

    struct AssessmentResults: Codable {
        var uuid: String
        var metadata: Metadata
        var importAP: ImportAP
        var results: [Result]
        var backMatter: BackMatter
        enum CodingKeys: String, CodingKey {
            case uuid, metadata, results
            case importAP = "import-ap"
            case backMatter = "back-matter"
        }
    }

    struct Metadata: Codable {
        var title, lastModified, version, oscalVersion: String
        enum CodingKeys: String, CodingKey {
            case title, version
            case lastModified = "last-modified"
            case oscalVersion = "oscal-version"
        }
    }

    struct ImportAP: Codable { var href: String }

    struct Result: Codable {
        var uuid, title, description, start, end: String
        var reviewedControls: ReviewedControls
        var observations: [Observation]
        var findings: [Finding]
        enum CodingKeys: String, CodingKey {
            case uuid, title, description, start, end, observations, findings
            case reviewedControls = "reviewed-controls"
        }
    }

    struct ReviewedControls: Codable {
        var controlSelections: [ControlSelection]
        enum CodingKeys: String, CodingKey { case controlSelections = "control-selections" }
    }

    struct ControlSelection: Codable {
        var includeControls: [SelectControl]
        enum CodingKeys: String, CodingKey { case includeControls = "include-controls" }
    }

    struct SelectControl: Codable {
        var controlID: String
        enum CodingKeys: String, CodingKey { case controlID = "control-id" }
    }

    struct Observation: Codable {
        var uuid, title, description: String
        var methods: [String]
        var collected: String
        var relevantEvidence: [RelevantEvidence]
        enum CodingKeys: String, CodingKey {
            case uuid, title, description, methods, collected
            case relevantEvidence = "relevant-evidence"
        }
    }

    struct RelevantEvidence: Codable { var href, description: String }

    struct Finding: Codable {
        var uuid, title, description: String
        var props: [Prop]
        var target: Target
        var relatedObservations: [RelatedObservation]?
        enum CodingKeys: String, CodingKey {
            case uuid, title, description, props, target
            case relatedObservations = "related-observations"
        }
    }

    struct Prop: Codable { var name, ns, value: String }

    struct Target: Codable {
        var type, targetID: String
        var status: Status
        enum CodingKeys: String, CodingKey {
            case type, status
            case targetID = "target-id"
        }
    }

    struct Status: Codable { var state, reason, remarks: String }

    struct RelatedObservation: Codable {
        var observationUUID: String
        enum CodingKeys: String, CodingKey { case observationUUID = "observation-uuid" }
    }

    struct BackMatter: Codable { var resources: [Resource] }

    struct Resource: Codable {
        var uuid, title: String
        var rlinks: [RLink]
    }

    struct RLink: Codable {
        var href: String
        var mediaType: String?
        var hashes: [Hash]?
        enum CodingKeys: String, CodingKey {
            case href, hashes
            case mediaType = "media-type"
        }
    }

    struct Hash: Codable { var algorithm, value: String }
}
