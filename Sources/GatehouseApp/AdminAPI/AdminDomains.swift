import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseStore
import GatehouseTLS

/// `/tenants/{t}/domains…`: custom hostnames and their certificates (PEMs as JSON fields or as
/// multipart/form-data fields `certificate` and `privateKey`).
struct AdminDomains {
    let api: AdminAPI
    let store: AppDatabase
    let call: AdminCall
    let tenant: TenantPrefix

    func handle(_ path: [String], method: String) async throws -> AdminResponse {
        switch (path.count, method) {
        case (0, "GET"):
            return try call.json(try store.domains.list(tenant: tenant).map {
                ["hostname": $0.hostname.value, "certificate": $0.certificateFingerprint ?? ""]
            })
        case (0, "POST"):
            let hostname = try HostName(try call.string(try call.object(), "hostname")!)
            if hostname.value == api.platformDomain.value || hostname.value.hasSuffix("." + api.platformDomain.value) {
                throw GatehouseError.invalidInput("\(hostname) is under the platform domain; tenants are already served at <prefix>.\(api.platformDomain)")
            }
            try store.domains.add(hostname, to: tenant, by: call.actor)
            return try call.json(["hostname": hostname.value], status: 201)
        case (1, "DELETE"):
            let hostname = try HostName(path[0])
            try store.domains.remove(hostname, from: tenant, by: call.actor)
            CertificateFiles(root: api.context.settings.certificatesPath, sealer: store.sealer).remove(hostname.value)
            return call.noContent()
        case (2, "PUT") where path[1] == "certificate":
            return try await importCertificate(try HostName(path[0]))
        case (2, "GET") where path[1] == "certificate":
            let hostname = try HostName(path[0])
            guard let certificate = try store.certificates.all().first(where: { $0.hostname == hostname.value && $0.tenant == tenant }) else {
                throw GatehouseError.notFound("no certificate is stored for \(hostname)")
            }
            return try call.json(CertificateJSON(certificate))
        default:
            throw GatehouseError.notFound("no such endpoint under /domains")
        }
    }

    private func importCertificate(_ hostname: HostName) async throws -> AdminResponse {
        guard try store.domains.owner(of: hostname) == tenant else {
            throw GatehouseError.notFound("\(hostname) is not a domain of \(tenant); add it first with POST /api/v1/tenants/\(tenant)/domains")
        }
        let (chain, key) = try pems()
        let material = try CertificateMaterial(chainPEM: chain, keyPEM: key)
        let validator = CertificateValidator(trustStore: try TrustStore.load(extraFiles: api.trustRoots))
        let validated = try await validator.validate(material, for: hostname, at: api.context.clock.now())
        try CertificateInstaller(context: api.context, actor: call.actor).install(validated, tenant: tenant, kind: .custom)
        struct Imported: Encodable { let hostname, fingerprint: String; let notAfter: Date; let warnings: [String] }
        return try call.json(
            Imported(hostname: hostname.value, fingerprint: validated.fingerprint, notAfter: validated.notAfter, warnings: validated.warnings))
    }

    private func pems() throws -> (String, String) {
        let fields: [String: String]
        if call.request.contentType.lowercased().hasPrefix("multipart/form-data") {
            guard let parsed = MultipartForm.fields(body: call.request.body, contentType: call.request.contentType) else {
                throw GatehouseError.invalidInput("the multipart body has no boundary or no fields")
            }
            fields = parsed
        } else {
            let object = try call.object()
            fields = object.compactMapValues { $0 as? String }
        }
        guard let chain = fields["certificate"], let key = fields["privateKey"] else {
            throw GatehouseError.invalidInput("send the fields 'certificate' (PEM chain, leaf first) and 'privateKey' (PEM)")
        }
        return (chain, key)
    }
}
