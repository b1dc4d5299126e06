import Foundation
import GatehouseCore
import Logging

/// Writes log lines to standard error as text or JSON lines.
///
/// Callers put facts in metadata, never secrets; metadata keys that name a secret are dropped
/// here as a last line of defence.
struct GatehouseLogHandler: LogHandler {
    let label: String
    let format: LogFormat
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    static let secretKeys = ["password", "passwd", "secret", "token", "authorization", "cookie", "pan", "cvv", "body", "query"]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        merged = merged.filter { key, _ in !Self.secretKeys.contains { key.lowercased().contains($0) } }
        let time = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        let line: String
        switch format {
        case .text:
            let fields = merged.keys.sorted().map { "\($0)=\(merged[$0]!)" }.joined(separator: " ")
            line = "\(time) \(event.level) [\(label)] \(event.message)\(fields.isEmpty ? "" : " " + fields)"
        case .json:
            var object: [String: String] = ["time": time, "level": event.level.rawValue, "label": label, "message": "\(event.message)"]
            for (key, value) in merged where object[key] == nil { object[key] = "\(value)" }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

public enum GatehouseLogging {
    /// Installs the process-wide log handler. Call once, before any logger is made.
    public static func bootstrap(_ settings: GatehouseSettings) {
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            GatehouseLogHandler(label: label, format: settings.logFormat, logLevel: level)
        }
    }
}
