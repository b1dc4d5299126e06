import Crypto
import Foundation
import SwiftASN1
import GatehouseCore
import X509

/// A certificate that passed every check for one hostname, in serving order, with what the
/// catalogue records about it.
public struct ValidatedCertificate: Sendable {
    public let hostname: HostName
    /// Leaf first, then intermediates; never the root.
    public let chain: [Certificate]
    public let privateKey: Certificate.PrivateKey
    public let warnings: [String]

    public var leaf: Certificate { chain[0] }
    public var fingerprint: String { Self.fingerprint(of: leaf) }
    public var subject: String { leaf.subject.description }
    public var issuer: String { leaf.issuer.description }
    public var notBefore: Date { leaf.notValidBefore }
    public var notAfter: Date { leaf.notValidAfter }
    public var subjectAlternativeNames: [String] { CertificateInspection.dnsNames(of: leaf) }

    /// SHA-256 of the leaf's DER, as `AB:CD:…` the way browsers and openssl show it.
    public static func fingerprint(of certificate: Certificate) -> String {
        var serializer = DER.Serializer()
        try? serializer.serialize(certificate)
        return SHA256.hash(data: serializer.serializedBytes).map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    /// The chain as PEM, leaf first.
    public func chainPEM() throws -> String {
        try chain.map { try $0.serializeAsPEM().pemString }.joined(separator: "\n") + "\n"
    }

    public func privateKeyPEM() throws -> String {
        try privateKey.serializeAsPEM().pemString + "\n"
    }
}

/// Small read-only helpers over swift-certificates' types.
enum CertificateInspection {
    static func dnsNames(of certificate: Certificate) -> [String] {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { name in
            if case .dnsName(let dns) = name { return dns.lowercased() }
            return nil
        }
    }

    static func commonName(of name: DistinguishedName) -> String? {
        var found: String?
        for rdn in name {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                found = String(describing: attribute.value)
            }
        }
        return found
    }

    static func isSelfSigned(_ certificate: Certificate) -> Bool {
        certificate.subject == certificate.issuer && certificate.publicKey.isValidSignature(certificate.signature, for: certificate)
    }

    /// "CN=…" or the full name when it has no CN, for messages.
    static func label(_ name: DistinguishedName) -> String {
        commonName(of: name).map { "'\($0)'" } ?? "'\(name)'"
    }
}
