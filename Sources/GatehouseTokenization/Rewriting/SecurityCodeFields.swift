import GatehouseCore

/// Security codes sent outside the body: in a header field of their own (`CVV: 123`,
/// `X-Card-Security-Code: 123`) or as a cookie (`Cookie: cvv=123`). Such fields and cookies are
/// not forwarded.
extension CardFieldNames {
    /// A header field name, read like a field name without '-' and '_': one that ends in a code's name
    /// (`CVV`, `X-Payment-CVC2`, `X-Card-Security-Code`, `CVV-Number`). `CID` counts only right after a
    /// card word (`X-CC-CID`, `Card-Cid`): alone, or after another word (`X-Acct-CID`), it is a
    /// correlation or customer ID in many APIs. No copy is made for the usual field: this runs for
    /// every field of every tokenized request.
    static func isSecurityCodeHeader(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { bytes in
            for code in headerSuffixes where endsNormalized(bytes, with: code) { return true }
            guard endsNormalized(bytes, with: "cid") else { return false }
            let words = bytes.split { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }.map { $0.map(\.asciiLowercased) }
            guard let last = words.last else { return false }
            if last != Array("cid".utf8) { return kind(last[...]) == .securityCode }  // `cccid`, `CardCID`
            return words.count >= 2 && cardWords.contains(words[words.count - 2])
        }
    }

    /// The security-code names a header field name may end in (every one but `cid`, handled apart).
    private static let headerSuffixes: [StaticString] = [
        "cvv", "cvc", "cvv2", "cvc2", "csc", "securitycode", "cardcode", "cvvcode", "cvccode", "cvvnumber", "cvcnumber",
    ]
    private static let cardWords: [[UInt8]] = ["card", "cc", "pay", "payment", "credit", "creditcard"].map { Array($0.utf8) }

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
            let raw = Array(trimmed.prefix { $0 != "=" }.utf8)[...]
            // Decoded as servers do, '+' as a space (PHP) or not, then trimmed: `+cvv` and `%20cvv` are `cvv` to PHP.
            let namesCode = [true, false].contains { plusIsSpace in
                let name = Percent.decode(raw, plusIsSpace: plusIsSpace)
                let trimmedName = name.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
                return kind(Array(trimmedName)[...]) == .securityCode && !isBareCID(trimmedName)
            }
            if namesCode {
                removed += 1
            } else if !trimmed.isEmpty {
                kept.append(trimmed)
            }
        }
        guard removed > 0 else { return nil }
        return (kept.joined(separator: "; "), removed)
    }

    /// `cid` however spelled (`CID`, `_cid`, `c-id`): a content or customer ID, not a card's code.
    private static func isBareCID(_ name: some Collection<UInt8>) -> Bool {
        name.filter { $0 != UInt8(ascii: "-") && $0 != UInt8(ascii: "_") }.map(\.asciiLowercased) == Array("cid".utf8)
    }
}
