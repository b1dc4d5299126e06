import Crypto
import GatehouseCore

/// The token that replaces a card number: `tok_<base58 HMAC-SHA-256(tenant key, PAN)>_<last 4>`,
/// with `_<first 6>` before the last 4 when the tenant allows it. Deterministic per tenant, so the
/// ERP can match returning customers; irreversible without the key; never digit-only, so it can
/// never be mistaken for (or detected as) a card number.
public struct CardTokenizer: CardTokenSource {
    /// HMAC keyed once: each token copies this state instead of deriving the pads from the key again.
    private let keyed: HMAC<SHA256>
    public let keepsBIN: Bool

    public init(key: SymmetricKey, keepsBIN: Bool = false) {
        self.keyed = HMAC<SHA256>(key: key)
        self.keepsBIN = keepsBIN
    }

    public func token(for digits: UnsafeBufferPointer<UInt8>) -> String {
        var hmac = keyed
        hmac.update(data: UnsafeRawBufferPointer(digits))
        let mac = hmac.finalize()
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

    /// The number in 32-bit limbs, divided by 58⁵ at a time: five digits per pass over the limbs
    /// instead of one carry chain per input byte (tokens are made for every card of every request).
    static func encode(_ bytes: [UInt8]) -> String {
        let zeros = bytes.prefix { $0 == 0 }.count
        var limbs = [UInt32](repeating: 0, count: (bytes.count + 3) / 4)
        let pad = limbs.count * 4 - bytes.count
        for (index, byte) in bytes.enumerated() {
            let position = index + pad
            limbs[position / 4] |= UInt32(byte) << (8 * (3 - position % 4))
        }
        var digits: [UInt8] = []  // base-58 digits, least significant first
        digits.reserveCapacity(bytes.count * 138 / 100 + 5)
        var first = limbs.firstIndex { $0 != 0 } ?? limbs.count
        let divisor: UInt64 = 656_356_768  // 58^5
        while first < limbs.count {
            var remainder: UInt64 = 0
            for index in first..<limbs.count {
                let current = remainder << 32 | UInt64(limbs[index])
                limbs[index] = UInt32(current / divisor)
                remainder = current % divisor
            }
            for _ in 0..<5 {
                digits.append(UInt8(remainder % 58))
                remainder /= 58
            }
            while first < limbs.count && limbs[first] == 0 { first += 1 }
        }
        while digits.last == 0 { digits.removeLast() }
        var out = [UInt8](repeating: alphabet[0], count: zeros)
        out.reserveCapacity(zeros + digits.count)
        for digit in digits.reversed() { out.append(alphabet[Int(digit)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
