/// A DNS host name as typed in a Host header, an SNI or a certificate: lowercase, no trailing dot,
/// labels of a–z, 0–9 and '-' (1–63 bytes each, not starting or ending with '-'), 253 bytes at most.
/// A certificate name may start with one `*` label.
public struct HostName: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let value: String

    public init(_ text: String, allowWildcard: Bool = false) throws(GatehouseError) {
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty, name.utf8.count <= 253 else {
            throw .invalidInput("host name '\(text)' must be 1 to 253 characters")
        }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else {
            throw .invalidInput("host name '\(text)' needs at least two labels (for example erp.example.com)")
        }
        for (index, label) in labels.enumerated() {
            if label == "*" && index == 0 && allowWildcard { continue }
            guard (1...63).contains(label.utf8.count),
                  label.utf8.allSatisfy({ ASCII.isLowercaseLetter($0) || ASCII.isDigit($0) || $0 == UInt8(ascii: "-") }),
                  label.utf8.first != UInt8(ascii: "-"), label.utf8.last != UInt8(ascii: "-")
            else {
                throw .invalidInput(
                    "host name '\(text)' has an invalid label '\(label)': use a-z, 0-9 and '-', not at either end")
            }
        }
        if labels.last!.utf8.allSatisfy(ASCII.isDigit) {
            throw .invalidInput("'\(text)' looks like an IP address, not a host name")
        }
        value = name
    }

    public var isWildcard: Bool { value.hasPrefix("*.") }

    /// `*.example.com` for `erp.example.com`: the only wildcard that covers this name.
    public var wildcardParent: String? {
        guard let dot = value.firstIndex(of: ".") else { return nil }
        let parent = value[value.index(after: dot)...]
        return parent.contains(".") ? "*." + parent : nil
    }

    /// Whether a certificate name (exact or one-label wildcard) covers this host.
    public func isCovered(by certificateName: String) -> Bool {
        let pattern = certificateName.lowercased()
        if pattern == value { return true }
        return pattern.hasPrefix("*.") && wildcardParent == pattern
    }

    /// The first label: the tenant prefix when this host is `<prefix>.<platform-domain>`.
    public var firstLabel: Substring { value.prefix { $0 != "." } }

    public var description: String { value }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        self = try HostName(try decoder.singleValueContainer().decode(String.self), allowWildcard: true)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
