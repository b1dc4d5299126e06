import GatehouseCore

/// Field names that carry card security codes (removed with their values) or expiry dates (kept,
/// but passed to the processor with the number). Compared case-insensitively, ignoring '_' and '-'.
public enum CardFieldNames {
    static let securityCodes: Set<String> = ["cvv", "cvc", "cvv2", "cvc2", "cid", "csc", "securitycode", "cardcode"]
    static let expiries: Set<String> = [
        "exp", "expiry", "expiration", "expdate", "expirydate", "expirationdate", "expmonth", "expyear", "expirymonth",
        "expiryyear", "expirationmonth", "expirationyear", "cardexpiry",
    ]

    /// The names above as bytes, indexed by length.
    static let namesByLength: [[([UInt8], Kind)]] = {
        var table = [[([UInt8], Kind)]](repeating: [], count: 16)
        for name in securityCodes { table[name.utf8.count].append((Array(name.utf8), .securityCode)) }
        for name in expiries { table[name.utf8.count].append((Array(name.utf8), .expiry)) }
        return table
    }()

    public static func isSecurityCode(_ name: some StringProtocol) -> Bool { kind(Array(name.utf8)[...]) == .securityCode }
    static func isExpiry(_ name: some StringProtocol) -> Bool { kind(Array(name.utf8)[...]) == .expiry }

    enum Kind { case securityCode, expiry, other }

    /// What a field name (as UTF-8) names. Names are ASCII and short, so the normalized form is
    /// built in place, without allocating, for every field of every request.
    static func kind(_ name: some Collection<UInt8>) -> Kind {
        // Every name of interest starts with c, s or e (cvv, security_code, expiry, …).
        guard name.count <= 24, let first = name.first(where: { $0 != UInt8(ascii: "_") && $0 != UInt8(ascii: "-") }) else {
            return .other
        }
        switch first {
        case 0x63, 0x43, 0x73, 0x53, 0x65, 0x45: break
        default: return .other
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            var length = 0
            for byte in name {
                guard byte < 0x80 else { return .other }
                if byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") { continue }
                buffer[length] = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
                length += 1
            }
            guard length >= 3 && length <= 15 else { return .other }
            let normalized = UnsafeBufferPointer(rebasing: buffer[0..<length])
            // Byte comparison against the few names of this length: no String, no hashing.
            for (candidate, kind) in namesByLength[length] where candidate.elementsEqual(normalized) { return kind }
            return .other
        }
    }
}

/// What travels with card numbers inside one object, form or document: its security code and expiry.
struct CardContext {
    var cvv: [UInt8]?
    var expiryParts: [String] = []

    var expiry: String? { expiryParts.isEmpty ? nil : expiryParts.joined(separator: "/") }

    mutating func note(name: some StringProtocol, value: [UInt8]) {
        note(kind: CardFieldNames.kind(Array(name.utf8)[...]), value: value)
    }

    mutating func note(kind: CardFieldNames.Kind, value: @autoclosure () -> [UInt8]) {
        switch kind {
        case .securityCode: cvv = value()
        case .expiry: expiryParts.append(String(decoding: value(), as: UTF8.self))
        case .other: break
        }
    }
}
