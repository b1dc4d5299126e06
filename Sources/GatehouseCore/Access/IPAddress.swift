/// An IPv4 or IPv6 address. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are IPv4: a dual-stack
/// listener reports IPv4 clients that way, and allowlist rules must match them as the IPv4 they are.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible, Comparable {
    public enum Family: Sendable { case v4, v6 }

    public let family: Family
    /// 4 bytes for IPv4, 16 for IPv6, network order.
    public let bytes: [UInt8]

    public init(v4 bytes: [UInt8]) {
        precondition(bytes.count == 4)
        family = .v4
        self.bytes = bytes
    }

    public init(v6 bytes: [UInt8]) {
        precondition(bytes.count == 16)
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            family = .v4
            self.bytes = Array(bytes[12..<16])
        } else {
            family = .v6
            self.bytes = bytes
        }
    }

    public init(_ text: String) throws(GatehouseError) {
        if text.contains(":") {
            guard let bytes = Self.parseV6(text) else {
                throw .invalidInput("'\(text)' is not a valid IPv6 address")
            }
            self.init(v6: bytes)
        } else {
            guard let bytes = Self.parseV4(Substring(text)) else {
                throw .invalidInput(
                    "'\(text)' is not a valid IPv4 address (four decimal numbers 0-255, no leading zeros)")
            }
            self.init(v4: bytes)
        }
    }

    public var description: String {
        switch family {
        case .v4: return bytes.map(String.init).joined(separator: ".")
        case .v6: return Self.formatV6(bytes)
        }
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        if lhs.family != rhs.family { return lhs.family == .v4 }
        return lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    // MARK: Parsing

    static func parseV4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  part.count == 1 || part.first != "0", let value = UInt8(part)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    static func parseV6(_ text: String) -> [UInt8]? {
        guard !text.contains("%"), text.utf8.count <= 45 else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String, allowV4Tail: Bool) -> [UInt8]? {
            if part.isEmpty { return [] }
            var result: [UInt8] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, field) in fields.enumerated() {
                if allowV4Tail, index == fields.count - 1, field.contains(".") {
                    guard let v4 = parseV4(field) else { return nil }
                    result += v4
                    continue
                }
                guard (1...4).contains(field.utf8.count), field.utf8.allSatisfy(ASCII.isHexDigit),
                      let value = UInt16(field, radix: 16)
                else { return nil }
                result += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return result
        }
        if halves.count == 1 {
            guard let all = groups(halves[0], allowV4Tail: true), all.count == 16 else { return nil }
            return all
        }
        guard let head = groups(halves[0], allowV4Tail: false), let tail = groups(halves[1], allowV4Tail: true),
              head.count + tail.count <= 14
        else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }

    /// RFC 5952 text: lowercase, no leading zeros, the longest run (≥ 2) of zero groups as `::`.
    static func formatV6(_ bytes: [UInt8]) -> String {
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        var bestStart = -1, bestLength = 0, runStart = -1
        for index in 0...groups.count {
            if index < groups.count, groups[index] == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                if index - runStart > bestLength { (bestStart, bestLength) = (runStart, index - runStart) }
                runStart = -1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestLength >= 2 else { return hex.joined(separator: ":") }
        let head = hex[..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
        return head + "::" + tail
    }
}
