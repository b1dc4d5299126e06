import Foundation

/// A CIDR block such as `203.0.113.0/24` or `2001:db8::/32`; a bare address means one host.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let network: IPAddress
    public let prefixLength: Int

    public init(_ text: String) throws(GatehouseError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, !trimmed.isEmpty else {
            throw .invalidInput("'\(text)' is not a CIDR block (for example 203.0.113.0/24 or 2001:db8::/32)")
        }
        let address: IPAddress
        do {
            address = try IPAddress(String(parts[0]))
        } catch {
            throw .invalidInput("'\(text)' is not a CIDR block: \(error.message)")
        }
        // An IPv6 rule written in ::ffff:a.b.c.d form is an IPv4 rule.
        let textIsV6 = parts[0].contains(":")
        let mappedOffset = textIsV6 && address.family == .v4 ? 96 : 0
        let maxLength = textIsV6 ? 128 : 32
        var length = maxLength
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), parts[1].allSatisfy(\.isASCIIDigit), (0...maxLength).contains(parsed)
            else {
                throw .invalidInput("'\(text)' has an invalid prefix length; use /0 to /\(maxLength)")
            }
            length = parsed
        }
        if mappedOffset > 0 {
            guard length >= 96 else {
                throw .invalidInput("'\(text)' mixes IPv4-mapped addresses with a prefix shorter than /96")
            }
            length -= mappedOffset
        }
        let masked = Self.mask(address.bytes, to: length)
        guard masked == address.bytes else {
            let suggestion = IPNetwork(unchecked: IPAddress(family: address.family, bytes: masked), length)
            throw .invalidInput("'\(text)' has host bits set; did you mean \(suggestion)?")
        }
        network = address
        prefixLength = length
    }

    private init(unchecked network: IPAddress, _ prefixLength: Int) {
        self.network = network
        self.prefixLength = prefixLength
    }

    public func contains(_ address: IPAddress) -> Bool {
        address.family == network.family && Self.mask(address.bytes, to: prefixLength) == network.bytes
    }

    /// Whether every address of `other` is in this network.
    public func covers(_ other: IPNetwork) -> Bool {
        other.prefixLength >= prefixLength && contains(other.network)
    }

    public var description: String { "\(network)/\(prefixLength)" }

    public static func < (lhs: IPNetwork, rhs: IPNetwork) -> Bool {
        lhs.network == rhs.network ? lhs.prefixLength < rhs.prefixLength : lhs.network < rhs.network
    }

    static func mask(_ bytes: [UInt8], to length: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bits = max(0, min(8, length - index * 8))
            return bits == 8 ? byte : byte & ~(UInt8(0xFF) >> bits)
        }
    }
}

extension IPAddress {
    fileprivate init(family: Family, bytes: [UInt8]) {
        if family == .v4 { self.init(v4: bytes) } else { self.init(v6: bytes) }
    }
}
