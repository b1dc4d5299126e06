import Crypto
@testable import GatehouseTokenization
import Testing

/// The tokenizer's own HMAC-SHA-256 must equal swift-crypto's, or stored tokens would stop matching.
struct CardTokenMACTests {
    @Test(arguments: [1, 16, 32, 63, 64, 65, 100, 200])
    func tokensAreBase58OfHMACSHA256(keyLength: Int) {
        let key = SymmetricKey(data: (0..<keyLength).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ keyLength) })
        for pan in ["4111111111111111", "378282246310005", "6011111111111117", "5555555555554444"] {
            let mac = Array(HMAC<SHA256>.authenticationCode(for: Array(pan.utf8), using: key))
            let expected = "tok_" + Base58.encode(mac) + "_" + pan.suffix(4)
            #expect(CardTokenizer(key: key).token(for: Array(pan.utf8)) == expected)
            let withBIN = "tok_" + Base58.encode(mac) + "_" + pan.prefix(6) + "_" + pan.suffix(4)
            #expect(CardTokenizer(key: key, keepsBIN: true).token(for: Array(pan.utf8)) == withBIN)
        }
    }
}
