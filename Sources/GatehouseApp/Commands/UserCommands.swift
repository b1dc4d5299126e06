import Foundation
import GatehouseCore
import GatehouseStore

/// `gatehouse user …`. The scope argument is a tenant prefix, or `platform` for operators.
public struct UserCommands: Sendable {
    let context: GatehouseContext

    public init(_ context: GatehouseContext) { self.context = context }

    public func add(scope scopeText: String, name nameText: String, roles roleTexts: [String]) throws(GatehouseError) -> CommandOutput {
        let (scope, name) = try parse(scopeText, nameText)
        var roles = Set<Role>()
        for text in roleTexts { roles.insert(try Role(parsing: text)) }
        let user = try context.store().users.add(name, in: scope, roles: roles, by: context.actor)
        return CommandOutput(
            "added user \(user.qualifiedName) with roles \(user.roles.sorted().map(\.rawValue).joined(separator: ", "))\n",
            notes: ["note: \(user.qualifiedName) has no credentials yet: set a password with "
                + "'gatehouse user passwd \(scope) \(name) --password-stdin', add a key or create a token"])
    }

    public func list(scope scopeText: String, format: OutputFormat) throws(GatehouseError) -> CommandOutput {
        let scope = try UserScope(parsing: scopeText)
        let users = try context.store().users.list(in: scope)
        struct View: Encodable {
            let name: String, roles: [String], disabled: Bool, password: Bool, tokens: Int, keys: Int, created: String
        }
        let views = users.map {
            View(
                name: $0.user.name.value, roles: $0.user.roles.sorted().map(\.rawValue), disabled: $0.user.isDisabled,
                password: $0.hasPassword, tokens: $0.activeTokenCount, keys: $0.keyCount, created: $0.user.createdAt.iso8601)
        }
        if format == .json { return .json(views) }
        var table = TextTable("NAME", "ROLES", "STATUS", "PASSWORD", "TOKENS", "KEYS", "CREATED")
        for view in views {
            table.add(
                view.name, view.roles.joined(separator: ","), view.disabled ? "disabled" : "active",
                view.password ? "set" : "-", String(view.tokens), String(view.keys), view.created)
        }
        return CommandOutput(table.render(empty: "no users in \(scope); add one with: gatehouse user add \(scope) <name> --role user"))
    }

    /// Reads the password from `input` (standard input): never from an argument, where `ps` would show it.
    public func passwd(scope scopeText: String, name nameText: String, input: FileHandle) throws(GatehouseError) -> CommandOutput {
        let (scope, name) = try parse(scopeText, nameText)
        _ = try context.store().users.find(name, in: scope)
        let data = input.readDataToEndOfFile()
        guard var password = String(data: data, encoding: .utf8) else {
            throw .invalidInput("the password on standard input is not valid UTF-8")
        }
        if password.hasSuffix("\r\n") { password.removeLast(2) } else if password.hasSuffix("\n") { password.removeLast() }
        guard !password.isEmpty else {
            throw .invalidInput("no password on standard input; pipe it in, e.g. printf '%s' \"$PW\" | gatehouse user passwd …")
        }
        try context.store().users.setPassword(password, for: name, in: scope, by: context.actor)
        return CommandOutput("password set for \(scope).\(name)\n")
    }

    public func disable(scope scopeText: String, name nameText: String) throws(GatehouseError) -> CommandOutput {
        let (scope, name) = try parse(scopeText, nameText)
        try context.store().users.disable(name, in: scope, by: context.actor)
        return CommandOutput("disabled \(scope).\(name); their credentials no longer work\n")
    }

    public func enable(scope scopeText: String, name nameText: String) throws(GatehouseError) -> CommandOutput {
        let (scope, name) = try parse(scopeText, nameText)
        try context.store().users.enable(name, in: scope, by: context.actor)
        return CommandOutput("enabled \(scope).\(name)\n")
    }

    public func remove(scope scopeText: String, name nameText: String) throws(GatehouseError) -> CommandOutput {
        let (scope, name) = try parse(scopeText, nameText)
        try context.store().users.remove(name, in: scope, by: context.actor)
        return CommandOutput("removed \(scope).\(name) and their credentials; their audit history is kept\n")
    }

    // MARK: Roles

    /// Grants (`adding`) or withdraws roles; a user keeps at least one.
    public func changeRoles(scope scopeText: String, name nameText: String, roles roleTexts: [String], adding: Bool)
        throws(GatehouseError) -> CommandOutput
    {
        let (scope, name) = try parse(scopeText, nameText)
        guard !roleTexts.isEmpty else { throw .invalidInput("name at least one role") }
        var change = Set<Role>()
        for text in roleTexts { change.insert(try Role(parsing: text)) }
        let current = try context.store().users.find(name, in: scope).roles
        let roles = adding ? current.union(change) : current.subtracting(change)
        if !adding, !change.isSubset(of: current) {
            let missing = change.subtracting(current).sorted().map(\.rawValue).joined(separator: ", ")
            throw .notFound("\(scope).\(name) does not have the role \(missing)")
        }
        if !adding, roles.isEmpty {
            throw .refused("\(scope).\(name) would be left without a role; disable or remove the user instead")
        }
        let user = try context.store().users.setRoles(roles, for: name, in: scope, by: context.actor)
        return CommandOutput("\(user.qualifiedName) now has roles \(user.roles.sorted().map(\.rawValue).joined(separator: ", "))\n")
    }

    // MARK: SSH keys

    public func addKey(scope scopeText: String, name nameText: String, file: String) throws(GatehouseError) -> CommandOutput {
        let (scope, name) = try parse(scopeText, nameText)
        let url = URL(fileURLWithPath: file)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .invalidInput("cannot read public key file \(url.path)")
        }
        guard data.count <= 16_384, let text = String(data: data, encoding: .utf8) else {
            throw .invalidInput("\(url.path) is not an OpenSSH public key file (binary or too large)")
        }
        if text.contains("PRIVATE KEY") {
            throw .invalidInput("\(url.path) is a private key; never share it: give the public key file (\(url.lastPathComponent).pub)")
        }
        let lines = text.split(whereSeparator: \.isNewline).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard lines.count == 1 else {
            throw .invalidInput("\(url.path) holds \(lines.count) lines; give a file with exactly one public key")
        }
        let key = try SSHPublicKey(openSSHLine: String(lines[0]))
        let info = try context.store().users.addKey(key, for: name, in: scope, by: context.actor)
        return CommandOutput("added \(info.algorithm) key \(info.fingerprint) for \(scope).\(name)\n")
    }

    public func listKeys(scope scopeText: String, name nameText: String?, format: OutputFormat) throws(GatehouseError) -> CommandOutput {
        let scope = try UserScope(parsing: scopeText)
        let name = try nameText.map { text throws(GatehouseError) in try UserName(text) }
        let keys = try context.store().users.keys(of: name, in: scope)
        struct View: Encodable { let user, type, fingerprint, comment, added: String }
        let views = keys.map { View(user: $0.user, type: $0.algorithm, fingerprint: $0.fingerprint, comment: $0.comment, added: $0.createdAt.iso8601) }
        if format == .json { return .json(views) }
        var table = TextTable("USER", "TYPE", "FINGERPRINT", "ADDED", "COMMENT")
        for view in views { table.add(view.user, view.type, view.fingerprint, view.added, view.comment) }
        return CommandOutput(table.render(empty: "no SSH keys"))
    }

    public func removeKey(scope scopeText: String, name nameText: String, fingerprint: String) throws(GatehouseError) -> CommandOutput {
        let (scope, name) = try parse(scopeText, nameText)
        try context.store().users.removeKey(fingerprint: fingerprint, of: name, in: scope, by: context.actor)
        return CommandOutput("removed key \(fingerprint) from \(scope).\(name)\n")
    }

    // MARK: API tokens

    public func createToken(scope scopeText: String, name nameText: String, expires: String?) throws(GatehouseError) -> CommandOutput {
        let (scope, name) = try parse(scopeText, nameText)
        let expiry = try expires.map { text throws(GatehouseError) in try CalendarDay(parsing: text).end }
        let created = try context.store().users.createToken(for: name, in: scope, expiresAt: expiry, by: context.actor)
        return CommandOutput(
            created.token + "\n",
            notes: ["token \(created.info.id) for \(scope).\(name)"
                + (expiry.map { ", valid through \(CalendarDay(through: $0))" } ?? ", no expiry")
                + ": store it now, it is shown only once"])
    }

    public func listTokens(scope scopeText: String, name nameText: String, format: OutputFormat) throws(GatehouseError) -> CommandOutput {
        let (scope, name) = try parse(scopeText, nameText)
        let now = context.now
        let tokens = try context.store().users.tokens(of: name, in: scope)
        struct View: Encodable {
            let id: Int64, ends: String, status, created: String, expires: String?, lastUsed: String?
        }
        let views = tokens.map {
            View(
                id: $0.id, ends: $0.hint,
                status: $0.revokedAt != nil ? "revoked" : ($0.isUsable(at: now) ? "active" : "expired"),
                created: $0.createdAt.iso8601, expires: $0.expiresAt.map { CalendarDay(through: $0).description },
                lastUsed: $0.lastUsedAt?.iso8601)
        }
        if format == .json { return .json(views) }
        var table = TextTable("ID", "ENDS WITH", "STATUS", "CREATED", "EXPIRES", "LAST USED")
        for view in views {
            table.add(String(view.id), "…" + view.ends, view.status, view.created, view.expires ?? "never", view.lastUsed ?? "-")
        }
        return CommandOutput(table.render(empty: "no API tokens for \(scope).\(name)"))
    }

    public func revokeToken(scope scopeText: String, name nameText: String, id: Int64) throws(GatehouseError) -> CommandOutput {
        let (scope, name) = try parse(scopeText, nameText)
        try context.store().users.revokeToken(id: id, of: name, in: scope, by: context.actor)
        return CommandOutput("revoked token \(id) of \(scope).\(name)\n")
    }

    private func parse(_ scope: String, _ name: String) throws(GatehouseError) -> (UserScope, UserName) {
        (try UserScope(parsing: scope), try UserName(name))
    }
}
