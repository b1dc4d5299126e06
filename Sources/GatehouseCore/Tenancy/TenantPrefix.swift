/// The DNS label that names a tenant: `https://<prefix>.<platform-domain>` and `<prefix>.<user>` for SFTP.
public struct TenantPrefix: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let value: String

    /// Labels that the platform keeps for itself; `platform` also names operators' scope in the CLI.
    public static let reserved: Set<String> = [
        "admin", "administrator", "api", "app", "assets", "auth", "autodiscover", "billing", "blog", "cdn",
        "dashboard", "dev", "docs", "ftp", "gatehouse", "help", "imap", "login", "mail", "mx", "ns", "ns1",
        "ns2", "platform", "pop", "portal", "root", "sftp", "smtp", "ssh", "staging", "static", "status",
        "support", "test", "www",
    ]

    public init(_ text: String) throws(GatehouseError) {
        guard (3...63).contains(text.utf8.count) else {
            throw .invalidInput("tenant prefix '\(text)' must be 3 to 63 characters long")
        }
        guard text.utf8.allSatisfy({ ASCII.isLowercaseLetter($0) || ASCII.isDigit($0) || $0 == UInt8(ascii: "-") }) else {
            throw .invalidInput(
                "tenant prefix '\(text)' may only contain lowercase letters a-z, digits 0-9 and '-'")
        }
        guard text.utf8.first != UInt8(ascii: "-"), text.utf8.last != UInt8(ascii: "-") else {
            throw .invalidInput("tenant prefix '\(text)' must not start or end with '-'")
        }
        guard !Self.reserved.contains(text) else {
            throw .invalidInput("tenant prefix '\(text)' is reserved by the platform; choose another")
        }
        value = text
    }

    public var description: String { value }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try TenantPrefix(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
