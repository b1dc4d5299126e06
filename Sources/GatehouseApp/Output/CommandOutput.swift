import Foundation

/// What a command produced: lines for standard output, notes and warnings for standard error.
public struct CommandOutput: Sendable {
    public var stdout: String
    public var stderr: [String]

    public init(_ stdout: String = "", notes: [String] = []) {
        self.stdout = stdout
        self.stderr = notes
    }

    static func json(_ value: some Encodable) -> CommandOutput {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        return CommandOutput(String(decoding: data, as: UTF8.self) + "\n")
    }
}

/// Output for people or for scripts.
public enum OutputFormat: Sendable {
    case table
    case json
}
