import Crypto
import Foundation
import GatehouseCore
import _CryptoExtras

/// PBKDF2-HMAC-SHA256 password hashes in a self-describing PHC-like string:
/// `$pbkdf2-sha256$i=600000$<salt b64>$<hash b64>`.
public struct PasswordHasher: Sendable {
    /// OWASP's 2023 figure for PBKDF2-HMAC-SHA256; the floor for every new hash.
    public static let minimumIterations = 600_000
    public let iterations: Int

    public init(iterations: Int = PasswordHasher.minimumIterations) {
        precondition(iterations >= Self.minimumIterations, "PBKDF2 iterations below policy")
        self.iterations = iterations
    }

    public func hash(_ password: String) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        let derived = try Self.derive(password, salt: salt, iterations: iterations)
        return "$pbkdf2-sha256$i=\(iterations)$\(Data(salt).base64EncodedString())$\(Data(derived).base64EncodedString())"
    }

    /// Constant-time check of `password` against an encoded hash. A malformed hash never matches.
    public static func verify(_ password: String, against encoded: String) -> Bool {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[1] == "pbkdf2-sha256", parts[2].hasPrefix("i="),
              let iterations = Int(parts[2].dropFirst(2)), iterations >= minimumIterations,
              let salt = Data(base64Encoded: String(parts[3])), let expected = Data(base64Encoded: String(parts[4])),
              let derived = try? derive(password, salt: [UInt8](salt), iterations: iterations)
        else { return false }
        return ConstantTime.equals(derived, [UInt8](expected))
    }

    /// Burns the same time as a real verification, so an unknown user answers as slowly as a wrong password.
    public static func verifyAgainstDummy(_ password: String) {
        _ = try? derive(password, salt: [UInt8](repeating: 0, count: 16), iterations: minimumIterations)
    }

    private static func derive(_ password: String, salt: [UInt8], iterations: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 32, rounds: iterations)
        return key.withUnsafeBytes { [UInt8]($0) }
    }
}
