import GatehouseCore

/// Field names that carry card security codes (removed with their values) or expiry dates (kept,
/// but passed to the processor with the number). Compared case-insensitively, ignoring '_' and '-';
/// a nested name (`payment[card][cvv]`, `Card.Cvv`) by its last part.
public enum CardFieldNames {
    static let securityCodes: Set<String> = [
        "cvv", "cvc", "cvv2", "cvc2", "cid", "csc", "securitycode", "cardcode",
        // As shops and payment forms spell them (Magento's cc_cid, card_cvv, cvv_code, …).
        "cardcvv", "cardcvc", "cardcvv2", "cardcvc2", "cccvv", "cccvc", "cccid", "cvvcode", "cvccode", "cvvnumber", "cvcnumber",
    ]
    /// A GraphQL request's document (`{"query": "mutation { pay(cvv: \"123\") }"}`): its inline
    /// arguments are read as text fields.
    static let graphQLDocuments: Set<String> = ["query"]
    static let expiries: Set<String> = [
        "exp", "expiry", "expiration", "expdate", "expirydate", "expirationdate", "expmonth", "expyear", "expirymonth",
        "expiryyear", "expirationmonth", "expirationyear", "cardexpiry",
    ]

    /// The names above packed into two little-endian words each (at most 15 bytes and the length), so a
    /// field name is compared as two integers, in an open-addressed table of 128 slots: one or two
    /// probes per field name instead of a walk over every name. An empty slot has `high` 0 (a packed
    /// name never does: its length is in the top byte).
    static let slots: [(low: UInt64, high: UInt64, kind: Kind)] = {
        var slots = [(low: UInt64, high: UInt64, kind: Kind)](repeating: (0, 0, .other), count: 128)
        for (names, kind) in [(securityCodes, Kind.securityCode), (expiries, Kind.expiry), (graphQLDocuments, Kind.graphQLDocument)] {
            for name in names {
                let words = pack(Array(name.utf8))
                var index = slot(words.low, words.high)
                while slots[index].high != 0 { index = (index + 1) & 127 }
                slots[index] = (words.low, words.high, kind)
            }
        }
        return slots
    }()

    @inline(__always)
    private static func slot(_ low: UInt64, _ high: UInt64) -> Int {
        Int(truncatingIfNeeded: ((low ^ high) &* 0x9E37_79B9_7F4A_7C15) &>> 57)
    }

    /// Bytes 0–14 of the name, and its length in the last byte, so names differing only by trailing
    /// NUL bytes differ.
    private static func pack(_ name: [UInt8]) -> (low: UInt64, high: UInt64) {
        var words: (UInt64, UInt64) = (0, UInt64(name.count) << 56)
        for (index, byte) in name.enumerated() {
            if index < 8 { words.0 |= UInt64(byte) << (8 * index) } else { words.1 |= UInt64(byte) << (8 * (index - 8)) }
        }
        return words
    }

    public static func isSecurityCode(_ name: some StringProtocol) -> Bool { kind(Array(name.utf8)[...]) == .securityCode }
    static func isExpiry(_ name: some StringProtocol) -> Bool { kind(Array(name.utf8)[...]) == .expiry }

    enum Kind { case securityCode, expiry, graphQLDocument, other }

    /// What a field name (as UTF-8) names. Names are ASCII and short, so the normalized form is
    /// built in place, without allocating, for every field of every request.
    static func kind(_ name: some Collection<UInt8>) -> Kind {
        guard name.contains(where: { $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]") || $0 == UInt8(ascii: ".") }) else {
            return plainKind(name)
        }
        // Nested: the last part that is not an index names the field (`payment[card][cvv]` → cvv,
        // `Card.Cvv` → Cvv, `cvv[]` and `cvv[0]` → cvv).
        let parts = Array(name).split { $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]") || $0 == UInt8(ascii: ".") }
        // Drupal-style names end in `[value]` (`card[cvv][0][value]`): the part before it names the field.
        let named = parts.filter { !$0.allSatisfy(\.isASCIIDigit) && $0.map(\.asciiLowercased) != Array("value".utf8) }
        guard let last = named.last else { return .other }
        let kind = plainKind(last)
        // `cid` is also a content ID (`attachments[0][cid]`): nested, it counts only under a card.
        if kind == .securityCode, last.count == 3, last.map(\.asciiLowercased) == Array("cid".utf8) {
            let whole = String(decoding: name, as: UTF8.self).lowercased()
            return ["card", "cc", "pay"].contains(where: whole.contains) ? kind : .other
        }
        return kind
    }

    private static func plainKind(_ name: some Collection<UInt8>) -> Kind {
        // Every name of interest starts with c, s, e or q (cvv, security_code, expiry, query).
        guard name.count <= 24, let first = name.first(where: { $0 != UInt8(ascii: "_") && $0 != UInt8(ascii: "-") }) else {
            return .other
        }
        switch first {
        case 0x63, 0x43, 0x73, 0x53, 0x65, 0x45, 0x71, 0x51: break
        default: return .other
        }
        // Normalized (lowercase, no '_' or '-') straight into two words: no buffer, no String, no hashing.
        var low: UInt64 = 0, high: UInt64 = 0
        var length = 0
        for byte in name {
            guard byte < 0x80 else { return .other }
            if byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") { continue }
            guard length < 15 else { return .other }
            let lowered = UInt64(byte.asciiLowercased)
            if length < 8 { low |= lowered << (8 * length) } else { high |= lowered << (8 * (length - 8)) }
            length += 1
        }
        guard length >= 3 else { return .other }
        high |= UInt64(length) << 56
        return slots.withUnsafeBufferPointer { slots in
            var index = slot(low, high)
            while slots[index].high != 0 {
                if slots[index].low == low && slots[index].high == high { return slots[index].kind }
                index = (index &+ 1) & 127
            }
            return .other
        }
    }
}

/// What travels with card numbers inside one object, form or document: its security code and expiry.
struct CardContext {
    var cvv: [UInt8]?
    var expiryParts: [String] = []

    var expiry: String? { expiryParts.isEmpty ? nil : expiryParts.joined(separator: "/") }

    mutating func note(kind: CardFieldNames.Kind, value: @autoclosure () -> [UInt8]) {
        switch kind {
        case .securityCode: cvv = value()
        case .expiry: expiryParts.append(String(decoding: value(), as: UTF8.self))
        case .graphQLDocument, .other: break
        }
    }
}
