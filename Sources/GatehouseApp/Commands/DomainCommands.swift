import Foundation
import GatehouseCore
import GatehouseStore
import GatehouseTLS

/// `gatehouse domain …`: a tenant's own hostnames (`erp.customer.com`).
public struct DomainCommands: Sendable {
    let context: GatehouseContext

    public init(_ context: GatehouseContext) { self.context = context }

    public func add(tenant: String, hostname: String, platformDomain: String) throws(GatehouseError) -> CommandOutput {
        let prefix = try TenantPrefix(tenant)
        let name = try HostName(hostname)
        let platform = try HostName(platformDomain)
        if name.value == platform.value || name.value.hasSuffix("." + platform.value) {
            throw .invalidInput("\(name) is under the platform domain \(platform); tenants are already served at <prefix>.\(platform)")
        }
        try context.store().domains.add(name, to: prefix, by: context.actor)
        return CommandOutput(
            "added \(name) to \(prefix)\n",
            notes: ["next: import its certificate with: gatehouse cert import \(name) --cert fullchain.pem --key privkey.pem"])
    }

    public func list(tenant: String?, format: OutputFormat) throws(GatehouseError) -> CommandOutput {
        let prefix = try tenant.map { text throws(GatehouseError) in try TenantPrefix(text) }
        let domains = try context.store().domains.list(tenant: prefix)
        struct View: Encodable { let hostname, tenant: String, certificate: String?, added: String }
        let views = domains.map {
            View(hostname: $0.hostname.value, tenant: $0.tenant.value, certificate: $0.certificateFingerprint, added: $0.createdAt.iso8601)
        }
        if format == .json { return .json(views) }
        var table = TextTable("HOSTNAME", "TENANT", "CERTIFICATE", "ADDED")
        for view in views { table.add(view.hostname, view.tenant, view.certificate.map { String($0.prefix(23)) + "…" } ?? "none yet", view.added) }
        return CommandOutput(table.render(empty: "no custom domains"))
    }

    public func remove(tenant: String, hostname: String) throws(GatehouseError) -> CommandOutput {
        let prefix = try TenantPrefix(tenant)
        let name = try HostName(hostname)
        try context.store().domains.remove(name, from: prefix, by: context.actor)
        CertificateFiles(root: context.settings.certificatesPath, sealer: try context.store().sealer).remove(name.value)
        return CommandOutput("removed \(name) from \(prefix), with its certificate\n")
    }
}
