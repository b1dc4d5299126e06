/// Card data found in a request: the number and what travelled with it, for the tenant's card
/// processor. Held in memory only; `wipe()` overwrites it once the processor has answered.
public struct CardFinding: Sendable {
    public var pan: [UInt8]
    public var cvv: [UInt8]?
    public var expiry: String?

    public mutating func wipe() {
        for index in pan.indices { pan[index] = 0 }
        if cvv != nil { for index in cvv!.indices { cvv![index] = 0 } }
        pan = []
        cvv = nil
        expiry = nil
    }
}

/// Field names that carry card security codes (removed with their values) or expiry dates (kept,
/// but passed to the processor with the number). Compared case-insensitively, ignoring '_' and '-'.
public enum CardFieldNames {
    static let securityCodes: Set<String> = ["cvv", "cvc", "cvv2", "cvc2", "cid", "csc", "securitycode", "cardcode"]
    static let expiries: Set<String> = [
        "exp", "expiry", "expiration", "expdate", "expirydate", "expirationdate", "expmonth", "expyear", "expirymonth",
        "expiryyear", "expirationmonth", "expirationyear", "cardexpiry",
    ]

    public static func isSecurityCode(_ name: some StringProtocol) -> Bool { securityCodes.contains(normalized(name)) }
    static func isExpiry(_ name: some StringProtocol) -> Bool { expiries.contains(normalized(name)) }

    static func normalized(_ name: some StringProtocol) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.filter { $0 != "_" && $0 != "-" })).lowercased()
    }
}

/// What travels with card numbers inside one object, form or document: its security code and expiry.
struct CardContext {
    var cvv: [UInt8]?
    var expiryParts: [String] = []

    var expiry: String? { expiryParts.isEmpty ? nil : expiryParts.joined(separator: "/") }

    mutating func note(name: some StringProtocol, value: [UInt8]) {
        if CardFieldNames.isSecurityCode(name) {
            cvv = value
        } else if CardFieldNames.isExpiry(name) {
            expiryParts.append(String(decoding: value, as: UTF8.self))
        }
    }
}
