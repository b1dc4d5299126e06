import Foundation

/// An OpenSSH public key line (`ssh-ed25519 AAAA… comment`), checked for a type the SSH server accepts.
///
/// swift-nio-ssh speaks Ed25519 and ECDSA (P-256, P-384, P-521); RSA, DSA, security-key and
/// certificate keys are refused here so a user learns it when adding the key, not at login.
public struct SSHPublicKey: Hashable, Sendable {
    public enum Algorithm: String, CaseIterable, Sendable {
        case ed25519 = "ssh-ed25519"
        case ecdsaP256 = "ecdsa-sha2-nistp256"
        case ecdsaP384 = "ecdsa-sha2-nistp384"
        case ecdsaP521 = "ecdsa-sha2-nistp521"
    }

    public let algorithm: Algorithm
    /// The wire-format key blob (what the base64 field decodes to and what fingerprints hash).
    public let blob: [UInt8]
    public let comment: String

    public static let acceptedTypes = Algorithm.allCases.map(\.rawValue).joined(separator: ", ")

    public init(openSSHLine text: String) throws(GatehouseError) {
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("-----BEGIN") || line.hasPrefix("---- BEGIN") {
            throw .invalidInput(
                "this is a PEM or RFC 4716 file, not an OpenSSH public key line; if it is a private key, "
                    + "never share it: give the .pub file instead")
        }
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 2 else {
            throw .invalidInput("not an OpenSSH public key: expected '<type> <base64> [comment]' on one line")
        }
        let typeName = String(fields[0])
        guard let algorithm = Algorithm(rawValue: typeName) else {
            if typeName == "ssh-rsa" || typeName.hasPrefix("rsa-") {
                throw .invalidInput("RSA keys are not accepted; use one of: \(Self.acceptedTypes) (ssh-keygen -t ed25519)")
            }
            guard typeName.contains("-"), Data(base64Encoded: String(fields[1])) != nil else {
                throw .invalidInput("not an OpenSSH public key: expected '<type> <base64> [comment]' on one line")
            }
            throw .invalidInput("key type '\(typeName)' is not accepted; use one of: \(Self.acceptedTypes)")
        }
        guard let data = Data(base64Encoded: String(fields[1])) else {
            throw .invalidInput("the \(typeName) key's base64 field does not decode")
        }
        let blob = [UInt8](data)
        try Self.validate(blob: blob, as: algorithm)
        self.algorithm = algorithm
        self.blob = blob
        self.comment = fields.dropFirst(2).joined(separator: " ")
    }

    /// The canonical line without comment, as stored.
    public var openSSHLine: String {
        "\(algorithm.rawValue) \(Data(blob).base64EncodedString())"
    }

    private static func validate(blob: [UInt8], as algorithm: Algorithm) throws(GatehouseError) {
        var reader = SSHWireReader(blob)
        let malformed = GatehouseError.invalidInput("the \(algorithm.rawValue) key is malformed (truncated or corrupt)")
        guard let embeddedType = reader.readString() else { throw malformed }
        guard String(decoding: embeddedType, as: UTF8.self) == algorithm.rawValue else {
            throw .invalidInput("the key data says it is not a \(algorithm.rawValue) key (type field mismatch)")
        }
        switch algorithm {
        case .ed25519:
            guard let key = reader.readString(), key.count == 32 else { throw malformed }
        case .ecdsaP256, .ecdsaP384, .ecdsaP521:
            let curves: [Algorithm: (String, Int)] = [
                .ecdsaP256: ("nistp256", 65), .ecdsaP384: ("nistp384", 97), .ecdsaP521: ("nistp521", 133),
            ]
            let (curve, pointLength) = curves[algorithm]!
            guard let name = reader.readString(), String(decoding: name, as: UTF8.self) == curve,
                  let point = reader.readString(), point.count == pointLength, point.first == 0x04
            else { throw malformed }
        }
        guard reader.isAtEnd else { throw malformed }
    }
}

/// Reads SSH wire-format length-prefixed strings (RFC 4251 §5).
struct SSHWireReader {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { index == bytes.count }

    mutating func readString() -> ArraySlice<UInt8>? {
        guard bytes.count - index >= 4 else { return nil }
        let length = bytes[index..<index + 4].reduce(0) { $0 << 8 | Int($1) }
        index += 4
        guard length <= bytes.count - index else { return nil }
        defer { index += length }
        return bytes[index..<index + length]
    }
}
