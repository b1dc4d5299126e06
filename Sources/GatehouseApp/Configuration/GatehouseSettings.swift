import Foundation
import GatehouseCore

/// Where Gatehouse keeps its files, resolved the same way for every command:
/// the flag, else the environment variable, else the default.
public struct GatehouseSettings: Sendable {
    public static let dataEnvironmentKey = "GATEHOUSE_DATA"
    public static let certificatesEnvironmentKey = "GATEHOUSE_CERTIFICATES"
    public static let policiesEnvironmentKey = "GATEHOUSE_POLICIES"

    public let dataPath: String
    public let certificatesPath: String
    /// Control catalogs and written policies (Policies/ of the release) that evidence bundles use.
    public let policiesPath: String
    public let logFormat: LogFormat
    public let logLevel: String

    public init(
        dataFlag: String?, certificatesFlag: String?, policiesFlag: String? = nil, logFormat: String? = nil, logLevel: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(GatehouseError) {
        dataPath = Self.resolve(dataFlag, environment[Self.dataEnvironmentKey], default: "./data")
        certificatesPath = Self.resolve(certificatesFlag, environment[Self.certificatesEnvironmentKey], default: "./Certificates")
        policiesPath = Self.resolve(policiesFlag, environment[Self.policiesEnvironmentKey], default: "./Policies")
        self.logFormat = try LogFormat(parsing: logFormat ?? "text")
        let level = (logLevel ?? "info").lowercased()
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(level) else {
            throw .invalidInput("unknown log level '\(logLevel ?? "")'; use trace, debug, info, notice, warning, error or critical")
        }
        self.logLevel = level
    }

    private static func resolve(_ flag: String?, _ environment: String?, default fallback: String) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let environment, !environment.isEmpty { return environment }
        return fallback
    }
}
