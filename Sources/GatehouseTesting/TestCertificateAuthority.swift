import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// A throw-away PKI for tests: a root, an intermediate, and leaves made to order, good or broken.
public struct TestCertificateAuthority: Sendable {
    public let root: Certificate
    public let rootKey: Certificate.PrivateKey
    public let intermediate: Certificate
    public let intermediateKey: Certificate.PrivateKey

    public enum KeyKind: Sendable {
        case p256
        case p384
        case rsa(bits: Int)
    }

    public struct Leaf: Sendable {
        public var names: [String]
        public var commonName: String?
        public var notBefore: Date = Date().addingTimeInterval(-3600)
        public var notAfter: Date = Date().addingTimeInterval(90 * 86_400)
        public var isCA = false
        public var extendedKeyUsage: [ExtendedKeyUsage.Usage]? = [.serverAuth]
        public var key: KeyKind = .p256

        public init(names: [String]) {
            self.names = names
        }
    }

    /// PEM texts as an admin would upload them.
    public struct Issued: Sendable {
        public let leafPEM: String
        public let intermediatePEM: String
        public let rootPEM: String
        public let keyPEM: String
        /// Leaf then intermediate: a complete chain to a root the verifier must be told to trust.
        public var fullChainPEM: String { leafPEM + intermediatePEM }
        public let leaf: Certificate
    }

    public init(name: String = "Gatehouse Test") throws {
        let now = Date()
        let rootKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let rootName = try DistinguishedName { CommonName("\(name) Root CA") }
        let root = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: rootKey.publicKey, notValidBefore: now.addingTimeInterval(-86_400),
            notValidAfter: now.addingTimeInterval(3650 * 86_400), issuer: rootName, subject: rootName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 1))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: rootKey.publicKey)
            }, issuerPrivateKey: rootKey)
        let intermediateKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let intermediateName = try DistinguishedName { CommonName("\(name) Intermediate CA") }
        let intermediate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: intermediateKey.publicKey,
            notValidBefore: now.addingTimeInterval(-86_400), notValidAfter: now.addingTimeInterval(1825 * 86_400),
            issuer: rootName, subject: intermediateName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: intermediateKey.publicKey)
                AuthorityKeyIdentifier(keyIdentifier: try root.extensions.subjectKeyIdentifier!.keyIdentifier)
            }, issuerPrivateKey: rootKey)
        self.root = root
        self.rootKey = rootKey
        self.intermediate = intermediate
        self.intermediateKey = intermediateKey
    }

    public func issue(_ leaf: Leaf) throws -> Issued {
        let key: Certificate.PrivateKey
        switch leaf.key {
        case .p256: key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        case .p384: key = Certificate.PrivateKey(P384.Signing.PrivateKey())
        case .rsa(let bits): key = Certificate.PrivateKey(try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: bits)))
        }
        let subject = try DistinguishedName { CommonName(leaf.commonName ?? leaf.names.first ?? "test") }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: key.publicKey, notValidBefore: leaf.notBefore,
            notValidAfter: leaf.notAfter, issuer: intermediate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                if leaf.isCA {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                } else {
                    Critical(BasicConstraints.notCertificateAuthority)
                }
                if let usage = leaf.extendedKeyUsage { try ExtendedKeyUsage(usage) }
                if !leaf.names.isEmpty { SubjectAlternativeNames(leaf.names.map { GeneralName.dnsName($0) }) }
                AuthorityKeyIdentifier(keyIdentifier: try intermediate.extensions.subjectKeyIdentifier!.keyIdentifier)
            }, issuerPrivateKey: intermediateKey)
        return Issued(
            leafPEM: try certificate.serializeAsPEM().pemString + "\n",
            intermediatePEM: try intermediate.serializeAsPEM().pemString + "\n",
            rootPEM: try root.serializeAsPEM().pemString + "\n",
            keyPEM: try key.serializeAsPEM().pemString + "\n", leaf: certificate)
    }

    public var rootPEM: String { (try? root.serializeAsPEM().pemString).map { $0 + "\n" } ?? "" }
}
