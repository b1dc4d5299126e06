import Crypto
import GatehouseCore

/// The token that replaces a card number: `tok_<base58 HMAC-SHA-256(tenant key, PAN)>_<last 4>`,
/// with `_<first 6>` before the last 4 when the tenant allows it. Deterministic per tenant, so the
/// ERP can match returning customers; irreversible without the key; never digit-only, so it can
/// never be mistaken for (or detected as) a card number.
public struct CardTokenizer: CardTokenSource {
    private let key: SymmetricKey
    public let keepsBIN: Bool

    public init(key: SymmetricKey, keepsBIN: Bool = false) {
        self.key = key
        self.keepsBIN = keepsBIN
    }

    public func token(for digits: UnsafeBufferPointer<UInt8>) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: UnsafeRawBufferPointer(digits), using: key)
        var token = "tok_" + Base58.encode(Array(mac))
        if keepsBIN { token += "_" + String(decoding: digits[0..<6], as: UTF8.self) }
        token += "_" + String(decoding: digits[(digits.count - 4)...], as: UTF8.self)
        return token
    }

    public func token(for digits: [UInt8]) -> String {
        digits.withUnsafeBufferPointer { token(for: $0) }
    }
}

/// Bitcoin's base58 alphabet: no 0, O, I or l, so tokens survive being read aloud or retyped.
enum Base58 {
    private static let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var digits: [UInt8] = []  // base-58 digits, least significant first
        digits.reserveCapacity(bytes.count * 138 / 100 + 1)
        for byte in bytes {
            var carry = Int(byte)
            for index in digits.indices {
                carry += Int(digits[index]) << 8
                digits[index] = UInt8(carry % 58)
                carry /= 58
            }
            while carry > 0 {
                digits.append(UInt8(carry % 58))
                carry /= 58
            }
        }
        let zeros = bytes.prefix { $0 == 0 }.count
        return String(decoding: Array(repeating: alphabet[0], count: zeros) + digits.reversed().map { alphabet[Int($0)] }, as: UTF8.self)
    }
}
