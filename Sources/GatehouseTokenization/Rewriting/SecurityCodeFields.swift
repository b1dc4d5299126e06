import GatehouseCore

/// Security codes sent outside the body: in a header field of their own (`CVV: 123`,
/// `X-Card-Security-Code: 123`) or as a cookie (`Cookie: cvv=123`). Such fields and cookies are
/// not forwarded.
extension CardFieldNames {
    /// A header field name, read like a field name without '-' and '_': one that ends in a code's name
    /// (`CVV`, `X-Payment-CVC2`, `X-Card-Security-Code`, `Card-Code`). `CID` counts only after a card
    /// word (`X-CC-CID`): alone it is a correlation or customer ID in many APIs. No copy is made: this
    /// runs for every field of every tokenized request.
    static func isSecurityCodeHeader(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { bytes in
            for code in ["cvv", "cvc", "cvv2", "cvc2", "csc", "securitycode", "cardcode"] as [StaticString] where endsNormalized(bytes, with: code) {
                return true
            }
            guard endsNormalized(bytes, with: "cid") else { return false }
            let before = bytes.filter { $0 != UInt8(ascii: "-") && $0 != UInt8(ascii: "_") }.map(\.asciiLowercased).dropLast(3)
            return ["card", "cc", "pay"].contains { word in before.firstRange(of: Array(word.utf8)) != nil }
        }
    }

    /// Whether `bytes`, lowercased and without '-' and '_', end with `suffix` (lowercase).
    private static func endsNormalized(_ bytes: UnsafeBufferPointer<UInt8>, with suffix: StaticString) -> Bool {
        var index = bytes.count
        var remaining = suffix.utf8CodeUnitCount
        let expected = suffix.utf8Start
        while remaining > 0 {
            repeat { index -= 1 } while index >= 0 && (bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "_"))
            guard index >= 0, bytes[index].asciiLowercased == expected[remaining - 1] else { return false }
            remaining -= 1
        }
        return true
    }

    /// The cookie pairs (`name=value`, separated by ';') whose name, percent-decoded (as PHP and others
    /// read it), is a security code removed; nil when there is none.
    static func removingSecurityCodeCookies(_ cookie: String) -> (cookie: String, removed: Int)? {
        var kept: [Substring] = []
        var removed = 0
        for pair in cookie.split(separator: ";") {
            let trimmed = pair.drop { $0 == " " || $0 == "\t" }
            // Without '=' the text is a nameless cookie's value (RFC 6265 §5.2), not a name.
            guard trimmed.contains("=") else {
                if !trimmed.isEmpty { kept.append(trimmed) }
                continue
            }
            let name = Percent.decode(Array(trimmed.prefix { $0 != "=" }.utf8)[...], plusIsSpace: false)
            var end = name.endIndex
            while end > 0, name[end - 1] == 0x20 || name[end - 1] == 0x09 { end -= 1 }
            if kind(name[..<end]) == .securityCode && !isBareCID(name[..<end]) {
                removed += 1
            } else if !trimmed.isEmpty {
                kept.append(trimmed)
            }
        }
        guard removed > 0 else { return nil }
        return (kept.joined(separator: "; "), removed)
    }

    private static func isBareCID(_ name: some Collection<UInt8>) -> Bool {
        name.count == 3 && name.map(\.asciiLowercased) == Array("cid".utf8)
    }
}
