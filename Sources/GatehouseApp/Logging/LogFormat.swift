import GatehouseCore

/// How log lines look: for people, or one JSON object per line for collectors.
public enum LogFormat: String, Sendable {
    case text
    case json

    public init(parsing text: String) throws(GatehouseError) {
        guard let format = LogFormat(rawValue: text.lowercased()) else {
            throw .invalidInput("unknown log format '\(text)'; use text or json")
        }
        self = format
    }
}
