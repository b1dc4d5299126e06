import Foundation
import GatehouseCore
import GatehouseStore

/// `gatehouse tenant …`
public struct TenantCommands: Sendable {
    let context: GatehouseContext

    public init(_ context: GatehouseContext) { self.context = context }

    public struct CreateRequest: Sendable {
        public var prefix: String
        public var upstream: String
        public var region: String?
        public var database: String?
        public var expires: String?
        public var name: String?

        public init(prefix: String, upstream: String, region: String?, database: String?, expires: String?, name: String?) {
            self.prefix = prefix
            self.upstream = upstream
            self.region = region
            self.database = database
            self.expires = expires
            self.name = name
        }
    }

    public func create(_ request: CreateRequest) throws(GatehouseError) -> CommandOutput {
        let prefix = try TenantPrefix(request.prefix)
        let upstream = try UpstreamURL(request.upstream)
        let region = try Region(parsing: request.region ?? Region.caCentral.rawValue)
        let databasePath = try request.database.map { path throws(GatehouseError) in try Self.validateDatabase(path) }
        let expiresAt = try request.expires.map { text throws(GatehouseError) in try CalendarDay(parsing: text).end }
            ?? CalendarDay(context.now.addingTimeInterval(365 * 86_400)).end
        let tenant = try context.store().tenants.create(
            NewTenant(
                prefix: prefix, displayName: request.name ?? prefix.value, upstream: upstream, region: region,
                databasePath: databasePath, expiresAt: expiresAt),
            by: context.actor)
        return CommandOutput(
            "created tenant \(tenant.prefix) (region \(tenant.region.rawValue), upstream \(tenant.upstream), "
                + "subscription through \(CalendarDay(through: tenant.subscription.expiresAt)))\n",
            notes: [
                "note: \(tenant.prefix) admits connections from every IP address until its first allowlist rule; "
                    + "add one with: gatehouse allowlist add \(tenant.prefix) <cidr>"
            ])
    }

    public func list(format: OutputFormat) throws(GatehouseError) -> CommandOutput {
        let tenants = try context.store().tenants.all()
        var views: [TenantView] = []
        for tenant in tenants { views.append(try view(tenant)) }
        if format == .json { return .json(views) }
        var table = TextTable("PREFIX", "STATE", "EXPIRES", "REGION", "ALLOWLIST", "UPSTREAM")
        for view in views {
            table.add(view.prefix, view.state, view.expires, view.region, view.allowlist, view.upstream)
        }
        return CommandOutput(table.render(empty: "no tenants yet; create one with: gatehouse tenant create <prefix> --upstream URL"))
    }

    public func show(_ prefixText: String, format: OutputFormat) throws(GatehouseError) -> CommandOutput {
        let tenant = try context.store().tenants.find(try TenantPrefix(prefixText))
        let view = try view(tenant)
        if format == .json { return .json(view) }
        let lines: [(String, String)] = [
            ("prefix", view.prefix), ("name", view.name), ("state", view.state), ("upstream", view.upstream),
            ("region", view.region), ("database", view.database ?? "-"), ("expires", view.expires),
            ("suspended since", view.suspendedSince ?? "-"), ("purge from", view.purgeFrom),
            ("backup downloads", view.backupDownloadsAllowed ? "allowed" : "not allowed"),
            ("allowlist", view.allowlist), ("cards", view.cards), ("users", String(view.users)), ("created", view.created),
        ]
        return CommandOutput(lines.map { "\($0.0.padding(toLength: 17, withPad: " ", startingAt: 0)) \($0.1)" }.joined(separator: "\n") + "\n")
    }

    /// `tenant set`: card tokenization settings.
    public func set(_ prefixText: String, tokenization: String?, keepBIN: String?, cardProcessor: String?) throws(GatehouseError) -> CommandOutput {
        let prefix = try TenantPrefix(prefixText)
        let tokenize = try tokenization.map { text throws(GatehouseError) in try Self.toggle(text, option: "--tokenization") }
        let keepsBIN = try keepBIN.map { text throws(GatehouseError) in try Self.toggle(text, option: "--keep-bin") }
        let processor: CardProcessorURL?? = try cardProcessor.map { text throws(GatehouseError) -> CardProcessorURL? in
            text == "none" ? nil : try CardProcessorURL(text)
        }
        guard tokenize != nil || keepsBIN != nil || processor != nil else {
            throw .invalidInput("nothing to change; give --tokenization on|off, --keep-bin yes|no or --card-processor URL|none")
        }
        let policy = try context.store().cards.set(prefix, tokenize: tokenize, keepsBIN: keepsBIN, processor: processor, by: context.actor)
        var notes: [String] = []
        if !policy.tokenize {
            notes.append("warning: card numbers sent to \(prefix) now reach its application untouched; PCI DSS scope then includes it")
        }
        return CommandOutput("\(prefix): \(Self.describe(policy))\n", notes: notes)
    }

    static func describe(_ policy: CardPolicy) -> String {
        guard policy.tokenize else { return "card tokenization off" }
        return "card tokenization on, tokens keep \(policy.keepsBIN ? "BIN and last 4" : "last 4"), "
            + "processor \(policy.processor?.description ?? "none")"
    }

    private static func toggle(_ text: String, option: String) throws(GatehouseError) -> Bool {
        switch text.lowercased() {
        case "on", "yes", "true": return true
        case "off", "no", "false": return false
        default: throw .invalidInput("\(option) takes on or off (yes or no), not '\(text)'")
        }
    }

    public func suspend(_ prefixText: String) throws(GatehouseError) -> CommandOutput {
        let tenant = try context.store().tenants.suspend(try TenantPrefix(prefixText), by: context.actor)
        return CommandOutput(
            "suspended \(tenant.prefix); its data is kept until \(tenant.subscription.purgeAt.iso8601), "
                + "backups may be downloaded until \(tenant.subscription.suspensionStart.addingTimeInterval(Subscription.downloadGrace).iso8601)\n")
    }

    public func resume(_ prefixText: String, expires: String?) throws(GatehouseError) -> CommandOutput {
        let expiry = try expires.map { text throws(GatehouseError) in try CalendarDay(parsing: text).end }
        let tenant = try context.store().tenants.resume(try TenantPrefix(prefixText), newExpiry: expiry, by: context.actor)
        return CommandOutput("resumed \(tenant.prefix); subscription through \(CalendarDay(through: tenant.subscription.expiresAt))\n")
    }

    public func delete(_ prefixText: String, force: Bool) throws(GatehouseError) -> CommandOutput {
        let prefix = try TenantPrefix(prefixText)
        try context.store().tenants.delete(prefix, force: force, by: context.actor)
        return CommandOutput("deleted tenant \(prefix) with its users, credentials and allowlist; its audit history is kept\n")
    }

    // MARK: Helpers

    struct TenantView: Encodable {
        let prefix, name, state, upstream, region: String
        let database: String?
        let expires: String
        let suspendedSince: String?
        let purgeFrom: String
        let backupDownloadsAllowed: Bool
        let allowlist: String
        let allowlistRules: Int
        let cards: String
        let users: Int
        let created: String
    }

    private func view(_ tenant: Tenant) throws(GatehouseError) -> TenantView {
        let now = context.now
        let rules = try context.store().allowlists.rules(tenant: tenant.prefix)
        let tenantRules = rules.filter { $0.user == nil }.count
        let users = try context.store().users.list(in: .tenant(tenant.prefix)).count
        let subscription = tenant.subscription
        return TenantView(
            prefix: tenant.prefix.value, name: tenant.displayName, state: subscription.state(at: now).rawValue,
            upstream: tenant.upstream.description, region: tenant.region.rawValue, database: tenant.databasePath,
            expires: CalendarDay(through: subscription.expiresAt).description,
            suspendedSince: subscription.state(at: now) == .active ? nil : subscription.suspensionStart.iso8601,
            purgeFrom: subscription.purgeAt.iso8601, backupDownloadsAllowed: subscription.mayDownloadBackups(at: now),
            allowlist: tenantRules == 0 ? "all addresses" : "\(tenantRules) rule\(tenantRules == 1 ? "" : "s")",
            allowlistRules: rules.count, cards: Self.describe(try context.store().cards.policy(tenant.prefix)), users: users,
            created: tenant.createdAt.iso8601)
    }

    /// A tenant database must be an existing SQLite file; stored as an absolute path.
    static func validateDatabase(_ path: String) throws(GatehouseError) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .invalidInput("database \(url.path) does not exist; create the tenant's SQLite database first or omit --database")
        }
        guard !isDirectory.boolValue else {
            throw .invalidInput("database \(url.path) is a directory; give the tenant's SQLite file")
        }
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw .invalidInput("database \(url.path) cannot be read; check its permissions")
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        guard header == Data("SQLite format 3\0".utf8) else {
            throw .invalidInput("database \(url.path) is not a SQLite database file")
        }
        return url.path
    }
}
