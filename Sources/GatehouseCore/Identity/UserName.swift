/// A user's login name, unique within its tenant (or among platform operators).
///
/// SFTP logins are `<tenant>.<user>`; tenant prefixes hold no '.', so the first '.' splits them.
public struct UserName: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let value: String

    public init(_ text: String) throws(GatehouseError) {
        guard (1...64).contains(text.utf8.count) else {
            throw .invalidInput("user name '\(text)' must be 1 to 64 characters long")
        }
        let punctuation: Set<UInt8> = [UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ".")]
        guard text.utf8.allSatisfy({ ASCII.isLowercaseLetter($0) || ASCII.isDigit($0) || punctuation.contains($0) }) else {
            throw .invalidInput("user name '\(text)' may only contain a-z, 0-9, '.', '_' and '-'")
        }
        guard let first = text.utf8.first, ASCII.isLowercaseLetter(first) || ASCII.isDigit(first) else {
            throw .invalidInput("user name '\(text)' must start with a letter or digit")
        }
        value = text
    }

    public var description: String { value }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        self = try UserName(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
