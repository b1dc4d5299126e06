import Foundation
import GatehouseCore
import GatehouseStore
import GatehouseTLS

/// Makes sure the platform domain has a certificate: on first use, a development CA (key sealed in
/// the store, certificate at `<data>/dev-ca.pem`) and a wildcard certificate it issues.
struct PlatformCertificate {
    let context: GatehouseContext
    let domain: HostName

    static let caKeyName = "dev-ca-key"
    static let caCertificateName = "dev-ca-certificate"

    var caPath: String { URL(fileURLWithPath: context.settings.dataPath).appendingPathComponent("dev-ca.pem").standardizedFileURL.path }
    var hostname: String { "*.\(domain)" }

    /// The development CA, made on first use; its certificate file is rewritten if missing.
    func developmentCA() throws(GatehouseError) -> DevelopmentCA {
        let store = try context.store()
        let ca: DevelopmentCA
        if let key = try store.sealedSecret(named: Self.caKeyName), let certificate = try store.sealedSecret(named: Self.caCertificateName) {
            ca = try DevelopmentCA(certificatePEM: String(decoding: certificate, as: UTF8.self), keyPEM: String(decoding: key, as: UTF8.self))
        } else {
            do {
                ca = try DevelopmentCA.generate(now: context.now)
                try store.storeSealedSecret(Data(try ca.privateKeyPEM().utf8), named: Self.caKeyName)
                try store.storeSealedSecret(Data(try ca.certificatePEM().utf8), named: Self.caCertificateName)
            } catch let error as GatehouseError {
                throw error
            } catch {
                throw .environment("cannot create the development CA: \(error)")
            }
        }
        if !FileManager.default.fileExists(atPath: caPath) {
            do {
                try Data(try ca.certificatePEM().utf8).write(to: URL(fileURLWithPath: caPath))
            } catch {
                throw .environment("cannot write \(caPath): \(error.localizedDescription)")
            }
        }
        return ca
    }

    /// Issues the development wildcard for the platform domain unless a platform certificate exists.
    @discardableResult
    func ensure() throws(GatehouseError) -> Bool {
        let store = try context.store()
        if try store.certificates.all().contains(where: { $0.hostname == hostname }) { return false }
        let ca = try developmentCA()
        let validated: ValidatedCertificate
        do {
            validated = try ca.platformCertificate(for: domain, now: context.now)
        } catch {
            throw .environment("cannot issue the development platform certificate: \(error)")
        }
        try CertificateInstaller(context: context).install(validated, tenant: nil, kind: .platform)
        return true
    }
}

/// Writes a validated certificate into the certificate store and catalogues it.
struct CertificateInstaller {
    let context: GatehouseContext
    var actor: AuditActor? = nil

    func files() throws(GatehouseError) -> CertificateFiles {
        CertificateFiles(root: context.settings.certificatesPath, sealer: try context.store().sealer)
    }

    func install(_ validated: ValidatedCertificate, tenant: TenantPrefix?, kind: CatalogedCertificate.Kind) throws(GatehouseError) {
        try files().write(validated, importedAt: context.now)
        try context.store().certificates.record(
            CatalogedCertificate(
                hostname: validated.hostname.value, tenant: tenant, kind: kind, fingerprint: validated.fingerprint,
                subject: validated.subject, issuer: validated.issuer, subjectAlternativeNames: validated.subjectAlternativeNames,
                notBefore: validated.notBefore, notAfter: validated.notAfter, importedAt: context.now),
            warnings: validated.warnings, by: actor ?? context.actor)
    }
}
