import Crypto
import GatehouseCore

/// The token that replaces a card number: `tok_<base58 HMAC-SHA-256(tenant key, PAN)>_<last 4>`,
/// with `_<first 6>` before the last 4 when the tenant allows it. Deterministic per tenant, so the
/// ERP can match returning customers; irreversible without the key; never digit-only, so it can
/// never be mistaken for (or detected as) a card number.
public struct CardTokenizer: CardTokenSource {
    /// HMAC-SHA-256 (RFC 2104) keyed once: the inner and outer hashes with the padded key already
    /// absorbed. Each token copies them and feeds bytes through `update(bufferPointer:)`; swift-crypto's
    /// `HMAC.update(data:)` is generic over DataProtocol and was not specialized here (a third of a
    /// token's time went to metadata lookups). Same MAC, byte for byte (tested against `HMAC<SHA256>`).
    private let inner: SHA256
    private let outer: SHA256
    public let keepsBIN: Bool

    public init(key: SymmetricKey, keepsBIN: Bool = false) {
        var block = key.withUnsafeBytes { Array($0) }
        if block.count > SHA256.blockByteCount { block = Array(SHA256.hash(data: block)) }
        block += Array(repeating: 0, count: SHA256.blockByteCount - block.count)
        var inner = SHA256(), outer = SHA256()
        inner.update(data: block.map { $0 ^ 0x36 })
        outer.update(data: block.map { $0 ^ 0x5C })
        self.inner = inner
        self.outer = outer
        self.keepsBIN = keepsBIN
    }

    public func token(for digits: UnsafeBufferPointer<UInt8>) -> String {
        var innerHash = inner
        innerHash.update(bufferPointer: UnsafeRawBufferPointer(digits))
        var outerHash = outer
        innerHash.finalize().withUnsafeBytes { outerHash.update(bufferPointer: $0) }
        let mac = outerHash.finalize()
        // Written straight into the string's storage: "tok_", at most 44 Base58 digits, "_BIN", "_last4".
        return mac.withUnsafeBytes { mac in
            String(unsafeUninitializedCapacity: 4 + Base58.maxDigits(mac.count) + 7 + 5) { output in
                var count = 0
                func append(_ bytes: some Sequence<UInt8>) {
                    for byte in bytes {
                        output[count] = byte
                        count += 1
                    }
                }
                append("tok_".utf8)
                count += Base58.encode(mac, into: UnsafeMutableBufferPointer(rebasing: output[count...]))
                if keepsBIN {
                    append(CollectionOfOne(UInt8(ascii: "_")))
                    append(digits[0..<6])
                }
                append(CollectionOfOne(UInt8(ascii: "_")))
                append(digits[(digits.count - 4)...])
                return count
            }
        }
    }

    public func token(for digits: [UInt8]) -> String {
        digits.withUnsafeBufferPointer { token(for: $0) }
    }
}

/// Bitcoin's base58 alphabet: no 0, O, I or l, so tokens survive being read aloud or retyped.
enum Base58 {
    private static let alphabet: StaticString = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

    /// The most digits `count` bytes can need (log 256 / log 58 < 1.37).
    static func maxDigits(_ count: Int) -> Int { count * 137 / 100 + 1 }

    static func encode(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { bytes in
            String(unsafeUninitializedCapacity: maxDigits(bytes.count)) { encode(bytes, into: $0) }
        }
    }

    /// Writes the encoding of `bytes` into `output` (room for `maxDigits` needed) and returns its length.
    /// The number in 32-bit limbs, divided by 58⁵ at a time: five digits per pass over the limbs
    /// instead of one carry chain per input byte (tokens are made for every card of every request).
    static func encode(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let zeros = bytes.prefix { $0 == 0 }.count
        let limbCount = (bytes.count + 3) / 4
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: max(1, limbCount)) { limbs in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxDigits(bytes.count) + 5) { digits in
                limbs.initialize(repeating: 0)
                let pad = limbCount * 4 - bytes.count
                for (index, byte) in bytes.enumerated() {
                    let position = index + pad
                    limbs[position / 4] |= UInt32(byte) << (8 * (3 - position % 4))
                }
                var digitCount = 0  // base-58 digits, least significant first
                var first = limbs[0..<limbCount].firstIndex { $0 != 0 } ?? limbCount
                let divisor: UInt64 = 656_356_768  // 58^5
                while first < limbCount {
                    var remainder: UInt64 = 0
                    for index in first..<limbCount {
                        let current = remainder << 32 | UInt64(limbs[index])
                        limbs[index] = UInt32(current / divisor)
                        remainder = current % divisor
                    }
                    for _ in 0..<5 {
                        digits[digitCount] = UInt8(remainder % 58)
                        digitCount += 1
                        remainder /= 58
                    }
                    while first < limbCount && limbs[first] == 0 { first += 1 }
                }
                while digitCount > 0 && digits[digitCount - 1] == 0 { digitCount -= 1 }
                let symbols = alphabet.utf8Start
                var count = 0
                for _ in 0..<zeros {
                    output[count] = symbols[0]
                    count += 1
                }
                while digitCount > 0 {
                    digitCount -= 1
                    output[count] = symbols[Int(digits[digitCount])]
                    count += 1
                }
                return count
            }
        }
    }
}
