import Foundation
import GatehouseCore
import Yams

/// A framework's control catalog (Policies/<framework>.yaml): what each control states, which
/// populations evidence it and which rule decides its status.
public struct ControlCatalog: Sendable, Codable {
    public let framework: Framework
    public let title: String
    public let version: String
    public let controls: [Control]

    public struct Control: Sendable, Codable {
        public let id: String
        public let title: String
        public let statement: String
        public let frequency: Frequency
        public let collectors: [EvidenceCollector]
        public let rule: ControlRule
        public let policies: [String]?

        enum CodingKeys: String, CodingKey { case id, title, statement, frequency, collectors, rule, policies }
    }

    public enum Frequency: String, Sendable, Codable {
        case continuous, daily, quarterly, annual
        case eventDriven = "event-driven"
    }

    enum CodingKeys: String, CodingKey { case framework, title, version, controls }
}

/// The frameworks a bundle can be exported for.
public enum Framework: String, CaseIterable, Sendable, Codable {
    case soc1, soc2, pipeda

    public init(parsing text: String) throws(GatehouseError) {
        guard let framework = Framework(rawValue: text.lowercased()) else {
            throw .invalidInput("unknown framework '\(text)'; choose soc1, soc2 or pipeda")
        }
        self = framework
    }
}

extension ControlCatalog {
    /// Reads and checks `<directory>/<framework>.yaml`; every problem names the file and the control.
    public static func load(_ framework: Framework, from directory: URL) throws(GatehouseError) -> ControlCatalog {
        let url = directory.appendingPathComponent("\(framework.rawValue).yaml")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .environment(
                "control catalog \(url.path) is missing; point --policies (or GATEHOUSE_POLICIES) at the Policies folder of the release")
        }
        let catalog: ControlCatalog
        do {
            catalog = try YAMLDecoder().decode(ControlCatalog.self, from: data)
        } catch let error as DecodingError {
            throw .environment("control catalog \(url.lastPathComponent) is invalid: \(Self.describe(error))")
        } catch {
            throw .environment("control catalog \(url.lastPathComponent) is not valid YAML: \(error)")
        }
        guard catalog.framework == framework else {
            throw .environment("control catalog \(url.lastPathComponent) declares framework '\(catalog.framework.rawValue)'")
        }
        guard !catalog.controls.isEmpty else { throw .environment("control catalog \(url.lastPathComponent) lists no controls") }
        var seen = Set<String>()
        for control in catalog.controls {
            guard seen.insert(control.id).inserted else {
                throw .environment("control catalog \(url.lastPathComponent) lists \(control.id) twice")
            }
            guard !control.collectors.isEmpty else {
                throw .environment("control \(control.id) in \(url.lastPathComponent) names no collectors")
            }
            guard control.id.range(of: "^[A-Za-z_][A-Za-z0-9._-]*$", options: .regularExpression) != nil else {
                throw .environment("control id '\(control.id)' in \(url.lastPathComponent) must be letters, digits, '.', '-' or '_'")
            }
        }
        return catalog
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context): return "\(path(context)): missing '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
