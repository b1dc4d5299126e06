/// One access-log line: the request without its query string or body, and who made it.
public struct AccessLogLine: Sendable {
    public let method: String
    public let path: String
    public let status: Int
    public let client: String
    public let host: String
    public let tenant: String
    public let user: String
    public let microseconds: Int64
    public let bytesIn: Int
    public let bytesOut: Int
    /// Card numbers tokenized and security codes removed; 0 prints nothing.
    public let cards: Int

    /// `12.3`: milliseconds with one decimal.
    public var milliseconds: String {
        String(microseconds / 1000) + "." + String(microseconds % 1000 / 100)
    }

    /// The fields by name, sorted, as a log handler's metadata would print them.
    public var fields: [(String, String)] {
        var fields = [("bytes_in", String(bytesIn)), ("bytes_out", String(bytesOut))]
        if cards > 0 { fields.append(("cards", String(cards))) }
        fields += [("client", client), ("host", host), ("ms", milliseconds), ("tenant", tenant), ("user", user)]
        return fields
    }
}

/// Where access-log lines go. The app supplies a writer that formats a line straight into its
/// output: a line per request is on the hot path, too hot for swift-log's metadata dictionary.
public protocol AccessLogSink: Sendable {
    func record(_ line: AccessLogLine)
}
