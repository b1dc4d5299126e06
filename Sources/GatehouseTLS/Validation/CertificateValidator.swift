@_spi(FixedExpiryValidationTime) import X509
import Crypto
import Foundation
import GatehouseCore
import SwiftASN1
import _CryptoExtras

/// Decides whether an uploaded chain and key may serve a hostname. Every failure is its own clear
/// message; nothing is stored until all checks pass (promise 4 of DESIGN.md).
public struct CertificateValidator: Sendable {
    public let trustStore: TrustStore
    /// Certificates expiring sooner than this are accepted with a warning.
    public let warningWindow: TimeInterval

    public init(trustStore: TrustStore, warningWindow: TimeInterval = 30 * 86_400) {
        self.trustStore = trustStore
        self.warningWindow = warningWindow
    }

    public func validate(_ material: CertificateMaterial, for hostname: HostName, at now: Date) async throws(GatehouseError)
        -> ValidatedCertificate
    {
        var warnings: [String] = []
        try Self.checkKeyType(material.privateKey.publicKey, what: "private key")
        let certificates = material.certificates
        guard let keyIndex = certificates.firstIndex(where: { $0.publicKey == material.privateKey.publicKey }) else {
            throw .invalidInput("the private key does not match the certificate (its public key differs from the leaf's)")
        }
        guard keyIndex == 0 else {
            throw .invalidInput(
                "the leaf certificate must come first; the key matches certificate \(keyIndex + 1) of the file "
                    + "(\(CertificateInspection.label(certificates[keyIndex].subject)))")
        }
        let leaf = certificates[0]

        // Order and links: each certificate is signed by the next one.
        for index in 0..<(certificates.count - 1) {
            let child = certificates[index], parent = certificates[index + 1]
            guard child.issuer == parent.subject, parent.publicKey.isValidSignature(child.signature, for: child) else {
                throw .invalidInput(
                    "certificate \(index + 2) (\(CertificateInspection.label(parent.subject))) did not sign certificate "
                        + "\(index + 1) (\(CertificateInspection.label(child.subject))); put the chain in order: leaf, then each issuer")
            }
        }

        // Where the chain ends: a trusted root, or a self-signed root included in the upload.
        let last = certificates[certificates.count - 1]
        var roots = trustStore.roots
        var serving = certificates
        if certificates.count > 1, CertificateInspection.isSelfSigned(last) {
            serving.removeLast()
            if !trustStore.contains(last) {
                roots.append(last)
                warnings.append(
                    "the chain ends at the self-signed root \(CertificateInspection.label(last.subject)), which is not a public root: browsers must be told to trust it")
            }
        } else if certificates.count == 1, CertificateInspection.isSelfSigned(last), !trustStore.contains(last) {
            throw .invalidInput(
                "the certificate is self-signed and not issued by a trusted CA; upload one issued by a CA, or add its issuer with --trust-root")
        } else if trustStore.issuer(of: last) == nil {
            throw .invalidInput(
                "incomplete chain: issuer \(CertificateInspection.label(last.issuer)) not found; append the intermediate certificate(s) after the leaf")
        }

        // The leaf itself.
        if now < leaf.notValidBefore {
            throw .invalidInput("the certificate is not valid yet: valid from \(leaf.notValidBefore.iso8601) to \(leaf.notValidAfter.iso8601)")
        }
        if now > leaf.notValidAfter {
            throw .invalidInput("the certificate expired on \(leaf.notValidAfter.iso8601) (valid from \(leaf.notValidBefore.iso8601))")
        }
        if case .isCertificateAuthority = try? leaf.extensions.basicConstraints {
            throw .invalidInput("the leaf is a CA certificate; upload the server certificate issued for \(hostname)")
        }
        if let usage = try? leaf.extensions.extendedKeyUsage, !usage.contains(.serverAuth) {
            throw .invalidInput("the certificate's extended key usage does not allow TLS server authentication (serverAuth)")
        }
        try Self.checkKeyType(leaf.publicKey, what: "certificate key")
        // The CN counts only when there is no SAN extension at all; a SAN extension that does not parse is refused.
        let sanExtension: SubjectAlternativeNames?
        do {
            sanExtension = try leaf.extensions.subjectAlternativeNames
        } catch {
            throw .invalidInput("the certificate's subject alternative names do not parse: \(error)")
        }
        let names = sanExtension == nil
            ? CertificateInspection.commonName(of: leaf.subject).map { [$0.lowercased()] } ?? []
            : CertificateInspection.dnsNames(of: leaf)
        guard names.contains(where: hostname.isCovered(by:)) else {
            let shown = names.isEmpty ? "no DNS names" : names.joined(separator: ", ")
            throw .invalidInput("the certificate does not cover \(hostname): it names \(shown)")
        }
        if leaf.notValidAfter.timeIntervalSince(now) < warningWindow {
            let days = Int(leaf.notValidAfter.timeIntervalSince(now) / 86_400)
            warnings.append("the certificate expires in \(days) days (\(leaf.notValidAfter.iso8601)); renew it soon")
        }

        // Everything RFC 5280 asks of the path (CA flags, path length, name constraints, every expiry).
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy(fixedExpiryValidationTime: now)
        }
        var reasons: [String] = []
        let result = await verifier.validate(
            leaf: leaf, intermediates: CertificateStore(Array(certificates.dropFirst())),
            diagnosticCallback: nil)
        switch result {
        case .validCertificate:
            break
        case .couldNotValidate(let failures):
            reasons = failures.map { "\($0.policyFailureReason)" }
            throw .invalidInput(
                "the chain does not validate: " + (reasons.isEmpty ? "no path from the leaf to a trusted root" : reasons.joined(separator: "; ")))
        }
        return ValidatedCertificate(hostname: hostname, chain: serving, privateKey: material.privateKey, warnings: warnings)
    }

    /// RSA ≥ 2048 bits, ECDSA P-256 or P-384: what browsers and our TLS stack serve.
    static func checkKeyType(_ key: Certificate.PublicKey, what: String) throws(GatehouseError) {
        if P256.Signing.PublicKey(key) != nil || P384.Signing.PublicKey(key) != nil { return }
        if let rsa = _RSA.Signing.PublicKey(key) {
            guard rsa.keySizeInBits >= 2048 else {
                throw .invalidInput("the \(what) is RSA \(rsa.keySizeInBits) bits; use at least 2048 bits")
            }
            return
        }
        throw .invalidInput("the \(what) type is not supported; use RSA (2048 bits or more) or ECDSA P-256/P-384")
    }
}
