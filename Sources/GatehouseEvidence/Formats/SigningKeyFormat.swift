import Crypto
import Foundation
import GatehouseCore

/// How the platform's Ed25519 public key travels: PEM (SubjectPublicKeyInfo, as `openssl pkey`
/// reads it) and a fingerprint auditors can compare over the phone.
public enum SigningKeyFormat {
    /// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): SEQUENCE { AlgorithmIdentifier 1.3.101.112, BIT STRING }.
    static let spkiPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    public static func pem(_ rawKey: [UInt8]) -> String {
        let base64 = Data(spkiPrefix + rawKey).base64EncodedString()
        return "-----BEGIN PUBLIC KEY-----\n\(base64)\n-----END PUBLIC KEY-----\n"
    }

    /// `SHA256:` and the hex SHA-256 of the raw 32-byte key.
    public static func fingerprint(_ rawKey: [UInt8]) -> String {
        "SHA256:" + SHA256.hash(data: rawKey).hexString
    }

    /// Reads a key given as PEM, as base64 of the raw key, or as base64 of the SPKI DER.
    public static func parse(_ text: String) throws(GatehouseError) -> [UInt8] {
        let body = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.hasPrefix("-----") && !$0.isEmpty }.joined()
        guard let data = Data(base64Encoded: body) else {
            throw .invalidInput("the key is neither a PEM public key nor base64; pass the bundle's public-key.pem or its fingerprint (SHA256:…)")
        }
        let bytes = [UInt8](data)
        if bytes.count == 32 { return bytes }
        if bytes.count == 44, Array(bytes.prefix(12)) == spkiPrefix { return Array(bytes.suffix(32)) }
        throw .invalidInput("the key is not an Ed25519 public key (expected 32 bytes, or a 44-byte SubjectPublicKeyInfo)")
    }
}
