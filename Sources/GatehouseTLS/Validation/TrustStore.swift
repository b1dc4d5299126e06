import Foundation
import GatehouseCore
import X509

/// The roots an uploaded chain may end at: the system's plus any `--trust-root` files.
public struct TrustStore: Sendable {
    public let roots: [Certificate]

    public init(roots: [Certificate]) {
        self.roots = roots
    }

    /// System roots (Debian's ca-certificates bundle) plus the certificates in `extraFiles`.
    public static func load(extraFiles: [String], includeSystem: Bool = true) throws(GatehouseError) -> TrustStore {
        var roots: [Certificate] = []
        if includeSystem {
            for bundle in ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"] {
                guard let text = try? String(contentsOfFile: bundle, encoding: .utf8) else { continue }
                roots += (try? CertificateMaterial.parseChain(text)) ?? []
                break
            }
        }
        for file in extraFiles {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw .invalidInput("cannot read trust root file \(file)")
            }
            do {
                roots += try CertificateMaterial.parseChain(text)
            } catch {
                throw .invalidInput("trust root file \(file): \(error.message)")
            }
        }
        return TrustStore(roots: roots)
    }

    /// A root that issued `certificate`, if any.
    func issuer(of certificate: Certificate) -> Certificate? {
        roots.first { $0.subject == certificate.issuer && $0.publicKey.isValidSignature(certificate.signature, for: certificate) }
    }

    func contains(_ certificate: Certificate) -> Bool {
        roots.contains(certificate)
    }
}
