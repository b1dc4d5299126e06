import Foundation
import GatehouseCore
import Logging
import Synchronization

/// Writes log lines to standard error as text or JSON lines.
///
/// Callers put facts in metadata, never secrets; metadata keys that name a secret are dropped
/// here as a last line of defence. Formatting is hand-rolled because the access log writes a line
/// per request: no Foundation date formatting, no JSONSerialization, one write(2) per line.
struct GatehouseLogHandler: LogHandler {
    let label: String
    let format: LogFormat
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    /// The access log is written in batches (see LogWriter).
    private let batched: Bool

    init(label: String, format: LogFormat, logLevel: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = logLevel
        batched = label == "gatehouse.access"
    }

    static let secretKeys = ["password", "passwd", "secret", "token", "authorization", "cookie", "pan", "cvv", "body", "query"]

    /// Whether a metadata key names a secret: an allocation-free byte search, since it runs for
    /// every field of every line.
    static func namesASecret(_ key: String) -> Bool {
        var key = key
        return key.withUTF8 { bytes in
            secretKeyBytes.contains { needle in
                guard needle.count <= bytes.count else { return false }
                for start in 0...(bytes.count - needle.count) {
                    var offset = 0
                    while offset < needle.count, bytes[start + offset].asciiLowercased == needle[offset] { offset += 1 }
                    if offset == needle.count { return true }
                }
                return false
            }
        }
    }

    static let secretKeyBytes = secretKeys.map { Array($0.utf8) }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [(String, String)] = []
        fields.reserveCapacity(metadata.count + (event.metadata?.count ?? 0))
        for (key, value) in metadata where event.metadata?[key] == nil && !Self.namesASecret(key) { fields.append((key, Self.text(value))) }
        if let extra = event.metadata { for (key, value) in extra where !Self.namesASecret(key) { fields.append((key, Self.text(value))) } }
        fields.sort { $0.0 < $1.0 }
        let line = LogLineFormat.line(
            format, time: LogClock.timestamp(), level: event.level.rawValue, label: label, message: "\(event.message)", fields: fields)
        LogWriter.shared.write(line, batched: batched)
    }

    /// A metadata value as text; a string value as it is, without interpolation.
    private static func text(_ value: Logger.MetadataValue) -> String {
        if case .string(let string) = value { return string }
        return "\(value)"
    }
}

/// A log line in either format, for the log handler and the access-log writer alike.
enum LogLineFormat {
    static func line(_ format: LogFormat, time: String, level: String, label: String, message: String, fields: [(String, String)]) -> String {
        var line = ""
        line.reserveCapacity(200 + message.utf8.count)
        switch format {
        case .text:
            line += time
            line += " "
            line += level
            line += " ["
            line += label
            line += "] "
            line += message
            for (key, value) in fields {
                line += " "
                line += key
                line += "="
                line += value
            }
        case .json:
            line += "{\"time\":"
            JSONText.append(time, to: &line)
            line += ",\"level\":"
            JSONText.append(level, to: &line)
            line += ",\"label\":"
            JSONText.append(label, to: &line)
            line += ",\"message\":"
            JSONText.append(message, to: &line)
            for (key, value) in fields where !["time", "level", "label", "message"].contains(key) {
                line += ","
                JSONText.append(key, to: &line)
                line += ":"
                JSONText.append(value, to: &line)
            }
            line += "}"
        }
        line += "\n"
        return line
    }
}

/// `2026-11-30T17:04:05.123Z`, with the date and time part cached for the current second.
enum LogClock {
    private static let cache = Mutex<(second: Int, prefix: String)>((-1, ""))

    static func timestamp() -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        appendTimestamp(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The timestamp appended as bytes (an access-log line is built as bytes).
    static func appendTimestamp(to bytes: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let second = now.tv_sec
        let millis = Int(now.tv_nsec / 1_000_000)
        let prefix = cache.withLock { cached -> String in
            if cached.second == second { return cached.prefix }
            cached = (second, makePrefix(second))
            return cached.prefix
        }
        bytes += prefix.utf8
        bytes.append(UInt8(ascii: "0") + UInt8(millis / 100))
        bytes.append(UInt8(ascii: "0") + UInt8(millis / 10 % 10))
        bytes.append(UInt8(ascii: "0") + UInt8(millis % 10))
        bytes.append(UInt8(ascii: "Z"))
    }

    private static func makePrefix(_ second: Int) -> String {
        var time = second
        var parts = tm()
        gmtime_r(&time, &parts)
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))."
    }

    private static func two(_ value: Int32) -> String {
        value < 10 ? "0\(value)" : String(value)
    }
}

/// JSON string literals without JSONSerialization.
enum JSONText {
    static func append(_ text: String, to line: inout String) { JSONStringLiteral.append(text, to: &line) }
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
