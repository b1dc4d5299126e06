import Crypto
import Foundation
import GatehouseCore
import SwiftASN1
import X509

/// The development CA made on first run, so the embedded default serves real TLS at once:
/// `curl --cacert "$(gatehouse cert dev-ca)" https://acme.gatehouse.localhost:8443/`.
public struct DevelopmentCA: Sendable {
    public let certificate: Certificate
    public let privateKey: Certificate.PrivateKey

    /// A new CA valid for ten years.
    public static func generate(now: Date, name: String = "Gatehouse Development CA") throws -> DevelopmentCA {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let subject = try DistinguishedName {
            OrganizationName("Gatehouse (development only)")
            CommonName(name)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(3650 * 86_400),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: key.publicKey)
            },
            issuerPrivateKey: key)
        return DevelopmentCA(certificate: certificate, privateKey: key)
    }

    public init(certificate: Certificate, privateKey: Certificate.PrivateKey) {
        self.certificate = certificate
        self.privateKey = privateKey
    }

    public init(certificatePEM: String, keyPEM: String) throws(GatehouseError) {
        let material = try CertificateMaterial(chainPEM: certificatePEM, keyPEM: keyPEM)
        guard material.certificates.count == 1, material.certificates[0].publicKey == material.privateKey.publicKey else {
            throw .environment("the development CA files do not belong together; delete them to make a new CA")
        }
        self.init(certificate: material.certificates[0], privateKey: material.privateKey)
    }

    /// A server certificate for `names` (e.g. `*.gatehouse.localhost` and `gatehouse.localhost`), valid 397 days.
    public func issueServerCertificate(for names: [String], now: Date, validFor: TimeInterval = 397 * 86_400) throws
        -> (chain: [Certificate], key: Certificate.PrivateKey)
    {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let subject = try DistinguishedName { CommonName(names.first ?? "gatehouse") }
        let authorityKeyID = try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(validFor),
            issuer: certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names.map { GeneralName.dnsName($0) })
                if let authorityKeyID { AuthorityKeyIdentifier(keyIdentifier: authorityKeyID) }
            },
            issuerPrivateKey: privateKey)
        return ([leaf], key)
    }
}

extension DevelopmentCA {
    /// The development platform certificate: `*.<domain>` and `<domain>`, issued by this CA.
    /// It is made here, not uploaded, so it needs no validation against public roots.
    public func platformCertificate(for domain: HostName, now: Date) throws -> ValidatedCertificate {
        let issued = try issueServerCertificate(for: ["*.\(domain)", domain.value], now: now)
        return ValidatedCertificate(
            hostname: try HostName("*.\(domain)", allowWildcard: true), chain: issued.chain, privateKey: issued.key, warnings: [])
    }

    public func certificatePEM() throws -> String { try certificate.serializeAsPEM().pemString + "\n" }
    public func privateKeyPEM() throws -> String { try privateKey.serializeAsPEM().pemString + "\n" }
}

extension DevelopmentCA {
    /// A certificate for one hostname, issued by this CA (for development and benchmarks).
    public func certificate(for hostname: HostName, now: Date) throws -> ValidatedCertificate {
        let issued = try issueServerCertificate(for: [hostname.value], now: now)
        return ValidatedCertificate(hostname: hostname, chain: issued.chain, privateKey: issued.key, warnings: [])
    }
}
