import Foundation
import GatehouseCore
import GatehouseStore

/// `gatehouse allowlist …`
public struct AllowlistCommands: Sendable {
    let context: GatehouseContext

    public init(_ context: GatehouseContext) { self.context = context }

    public func add(tenant: String, cidr: String, user: String?) throws(GatehouseError) -> CommandOutput {
        let prefix = try TenantPrefix(tenant)
        let network = try IPNetwork(cidr)
        let userName = try user.map { text throws(GatehouseError) in try UserName(text) }
        let addition = try context.store().allowlists.add(network, tenant: prefix, user: userName, by: context.actor)
        var notes: [String] = []
        if addition.endedAllowAll {
            notes.append("note: \(prefix) now admits only addresses on its allowlist (it admitted every address before this rule)")
        }
        if !addition.coveredByTenantRules {
            notes.append("warning: no tenant-wide rule of \(prefix) covers \(network); user rules only narrow the tenant's rules, so this one admits nothing until one does")
        }
        let target = userName.map { "\(prefix).\($0)" } ?? prefix.value
        return CommandOutput("allowed \(network) for \(target)\n", notes: notes)
    }

    public func list(tenant: String, format: OutputFormat) throws(GatehouseError) -> CommandOutput {
        let prefix = try TenantPrefix(tenant)
        let rules = try context.store().allowlists.rules(tenant: prefix)
        struct View: Encodable { let cidr: String, user: String?, added: String }
        let views = rules.map { View(cidr: $0.network.description, user: $0.user?.value, added: $0.createdAt.iso8601) }
        if format == .json { return .json(views) }
        var table = TextTable("CIDR", "APPLIES TO", "ADDED")
        for view in views { table.add(view.cidr, view.user.map { "user \($0)" } ?? "tenant", view.added) }
        var output = table.render(empty: "\(prefix) has no allowlist rules: every address is admitted")
        if !rules.isEmpty, !rules.contains(where: { $0.user == nil }) {
            output += "(no tenant-wide rule: every address passes the connection check)\n"
        }
        return CommandOutput(output)
    }

    public func remove(tenant: String, cidr: String, user: String?, force: Bool) throws(GatehouseError) -> CommandOutput {
        let prefix = try TenantPrefix(tenant)
        let network = try IPNetwork(cidr)
        let userName = try user.map { text throws(GatehouseError) in try UserName(text) }
        try context.store().allowlists.remove(
            network, tenant: prefix, user: userName, allowingEveryAddress: force, by: context.actor)
        let remaining = try context.store().allowlists.rules(tenant: prefix).filter { $0.user == nil }
        var notes: [String] = []
        if userName == nil && remaining.isEmpty {
            notes.append("warning: \(prefix) has no tenant-wide rules left and now admits every address")
        }
        return CommandOutput("removed \(network) from the allowlist of \(userName.map { "\(prefix).\($0)" } ?? prefix.value)\n", notes: notes)
    }
}
