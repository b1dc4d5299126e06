import Foundation
import GatehouseCore
import GatehouseStore
import GatehouseTLS

/// `gatehouse cert …`: the development CA, the platform certificate and custom-domain certificates.
public struct CertificateCommands: Sendable {
    let context: GatehouseContext
    let platformDomain: String
    let trustRoots: [String]

    public init(_ context: GatehouseContext, platformDomain: String, trustRoots: [String] = []) {
        self.context = context
        self.platformDomain = platformDomain
        self.trustRoots = trustRoots
    }

    /// Prints the development CA's certificate path (made on first use) for `curl --cacert`.
    public func devCA() throws(GatehouseError) -> CommandOutput {
        let platform = PlatformCertificate(context: context, domain: try HostName(platformDomain))
        _ = try platform.developmentCA()
        try platform.ensure()
        return CommandOutput(platform.caPath + "\n")
    }

    /// Imports a certificate for a tenant's custom domain (added first with `domain add`).
    public func importCertificate(hostname text: String, certificateFile: String, keyFile: String) async throws(GatehouseError)
        -> CommandOutput
    {
        let hostname = try HostName(text)
        let material = try Self.readMaterial(certificateFile: certificateFile, keyFile: keyFile)
        guard let tenant = try context.store().domains.owner(of: hostname) else {
            throw .notFound("\(hostname) is not a domain of any tenant; add it first with: gatehouse domain add <tenant> \(hostname)")
        }
        let validated = try await validator().validate(material, for: hostname, at: context.now)
        try CertificateInstaller(context: context).install(validated, tenant: tenant, kind: .custom)
        return Self.report(validated, what: "\(hostname) (tenant \(tenant))")
    }

    /// Installs a real certificate for `*.<platform-domain>` in place of the development one.
    public func importPlatform(certificateFile: String, keyFile: String) async throws(GatehouseError) -> CommandOutput {
        let domain = try HostName(platformDomain)
        let hostname = try HostName("*.\(domain)", allowWildcard: true)
        let material = try Self.readMaterial(certificateFile: certificateFile, keyFile: keyFile)
        let validated = try await validator().validate(material, for: hostname, at: context.now)
        try CertificateInstaller(context: context).install(validated, tenant: nil, kind: .platform)
        return Self.report(validated, what: "the platform domain \(hostname)")
    }

    public func list(format: OutputFormat) throws(GatehouseError) -> CommandOutput {
        let now = context.now
        struct View: Encodable {
            let hostname: String, tenant: String?, kind: String, expires: String, daysLeft: Int, status: String
            let fingerprint: String, issuer: String
        }
        let views = try context.store().certificates.all().map { certificate in
            let days = certificate.daysLeft(at: now)
            let status = days < 0 ? "expired" : certificate.warningThreshold(at: now).map { "expires within \($0) days" } ?? "ok"
            return View(
                hostname: certificate.hostname, tenant: certificate.tenant?.value, kind: certificate.kind.rawValue,
                expires: certificate.notAfter.iso8601, daysLeft: days, status: status, fingerprint: certificate.fingerprint,
                issuer: certificate.issuer)
        }
        if format == .json { return .json(views) }
        var table = TextTable("HOSTNAME", "TENANT", "EXPIRES", "DAYS LEFT", "STATUS", "ISSUER")
        for view in views {
            table.add(view.hostname, view.tenant ?? "(platform)", view.expires, String(view.daysLeft), view.status, view.issuer)
        }
        return CommandOutput(table.render(empty: "no certificates yet; 'gatehouse serve' or 'gatehouse cert dev-ca' makes the platform one"))
    }

    // MARK: Helpers

    private func validator() throws(GatehouseError) -> CertificateValidator {
        CertificateValidator(trustStore: try TrustStore.load(extraFiles: trustRoots))
    }

    static func readMaterial(certificateFile: String, keyFile: String) throws(GatehouseError) -> CertificateMaterial {
        func read(_ path: String, _ what: String) throws(GatehouseError) -> String {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .invalidInput("cannot read the \(what) file \(path)")
            }
            guard data.count <= 1_048_576, let text = String(data: data, encoding: .utf8) else {
                throw .invalidInput("the \(what) file \(path) is not PEM text")
            }
            return text
        }
        return try CertificateMaterial(chainPEM: read(certificateFile, "certificate"), keyPEM: read(keyFile, "key"))
    }

    static func report(_ validated: ValidatedCertificate, what: String) -> CommandOutput {
        CommandOutput(
            "imported the certificate for \(what): \(validated.fingerprint), valid until \(validated.notAfter.iso8601); "
                + "a running server serves it within 2 seconds\n",
            notes: validated.warnings.map { "warning: \($0)" })
    }
}
