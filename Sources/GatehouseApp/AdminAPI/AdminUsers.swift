import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseStore

/// `/tenants/{t}/users…`: users, roles, passwords, tokens and SSH keys.
struct AdminUsers {
    let store: AppDatabase
    let call: AdminCall
    let tenant: TenantPrefix

    var scope: UserScope { .tenant(tenant) }

    struct UserJSON: Encodable {
        let name: String, roles: [String], disabled: Bool, password: Bool, tokens: Int, keys: Int
    }

    func handle(_ path: [String], method: String) async throws -> AdminResponse {
        switch (path.count, method) {
        case (0, "GET"):
            return try call.json(try store.users.list(in: scope).map {
                UserJSON(
                    name: $0.user.name.value, roles: $0.user.roles.sorted().map(\.rawValue), disabled: $0.user.isDisabled,
                    password: $0.hasPassword, tokens: $0.activeTokenCount, keys: $0.keyCount)
            })
        case (0, "POST"):
            let body = try call.object()
            let name = try UserName(try call.string(body, "name")!)
            let user = try store.users.add(name, in: scope, roles: try roles(body), by: call.actor)
            return try call.json(["name": user.name.value, "roles": user.roles.sorted().map(\.rawValue).joined(separator: ",")], status: 201)
        default:
            break
        }
        guard let first = path.first else { throw GatehouseError.notFound("no such endpoint") }
        let name = try UserName(first)
        switch (Array(path.dropFirst()), method) {
        case ([], "DELETE"):
            try store.users.remove(name, in: scope, by: call.actor)
            return call.noContent()
        case (["roles"], "PUT"):
            let user = try store.users.setRoles(try roles(try call.object()), for: name, in: scope, by: call.actor)
            return try call.json(["name": user.name.value, "roles": user.roles.sorted().map(\.rawValue).joined(separator: ",")])
        case (["disable"], "POST"):
            try store.users.disable(name, in: scope, by: call.actor)
            return call.noContent()
        case (["enable"], "POST"):
            try store.users.enable(name, in: scope, by: call.actor)
            return call.noContent()
        case (["password"], "PUT"):
            let password = try call.string(try call.object(), "password")!
            let users = store.users, scope = self.scope, actor = call.actor
            // Hashing takes a deliberate half second: off the cooperative pool.
            let source = call.request.sourceIP
            try await StoreCredentialVerifier.offloaded {
                Result { try AuditContext.$sourceIP.withValue(source) { try users.setPassword(password, for: name, in: scope, by: actor) } }
            }.get()
            return call.noContent()
        case (["tokens"], "GET"):
            return try call.json(try store.users.tokens(of: name, in: scope).map {
                ["id": String($0.id), "endsWith": $0.hint, "expires": $0.expiresAt.map { CalendarDay(through: $0).description } ?? "never",
                 "revoked": $0.revokedAt == nil ? "no" : "yes"]
            })
        case (["tokens"], "POST"):
            let body = request.body.isEmpty ? [:] : try call.object()
            let expires = try call.string(body, "expires", required: false).map { text throws(GatehouseError) in try CalendarDay(parsing: text).end }
            let created = try store.users.createToken(for: name, in: scope, expiresAt: expires, by: call.actor)
            return try call.json(["id": String(created.info.id), "token": created.token], status: 201)
        case (let rest, "DELETE") where rest.count == 2 && rest[0] == "tokens":
            guard let id = Int64(rest[1]) else { throw GatehouseError.invalidInput("token id '\(rest[1])' is not a number") }
            try store.users.revokeToken(id: id, of: name, in: scope, by: call.actor)
            return call.noContent()
        case (["keys"], "GET"):
            return try call.json(try store.users.keys(of: name, in: scope).map {
                ["type": $0.algorithm, "fingerprint": $0.fingerprint, "comment": $0.comment]
            })
        case (["keys"], "POST"):
            let key = try SSHPublicKey(openSSHLine: try call.string(try call.object(), "publicKey")!)
            let info = try store.users.addKey(key, for: name, in: scope, by: call.actor)
            return try call.json(["type": info.algorithm, "fingerprint": info.fingerprint], status: 201)
        case (let rest, "DELETE") where rest.count == 2 && rest[0] == "keys":
            try store.users.removeKey(fingerprint: rest[1], of: name, in: scope, by: call.actor)
            return call.noContent()
        default:
            throw GatehouseError.notFound("no such endpoint: \(method) /api/v1/tenants/\(tenant)/users/\(path.joined(separator: "/"))")
        }
    }

    var request: AdminRequest { call.request }

    private func roles(_ body: [String: Any]) throws -> Set<Role> {
        guard let list = body["roles"] as? [String] else {
            throw GatehouseError.invalidInput("the JSON field 'roles' must be a list such as [\"user\"]")
        }
        var roles = Set<Role>()
        for text in list { roles.insert(try Role(parsing: text)) }
        return roles
    }
}

/// `/tenants/{t}/allowlist`.
struct AdminAllowlist {
    let store: AppDatabase
    let call: AdminCall
    let tenant: TenantPrefix

    func handle(_ path: [String], method: String) throws -> AdminResponse {
        guard path.isEmpty else { throw GatehouseError.notFound("no such endpoint under /allowlist") }
        switch method {
        case "GET":
            return try call.json(try store.allowlists.rules(tenant: tenant).map {
                AllowlistJSON(cidr: $0.network.description, user: $0.user?.value)
            })
        case "POST":
            let body = try call.object()
            let network = try IPNetwork(try call.string(body, "cidr")!)
            let user = try call.string(body, "user", required: false).map { text throws(GatehouseError) in try UserName(text) }
            let addition = try store.allowlists.add(network, tenant: tenant, user: user, by: call.actor)
            return try call.json(
                AllowlistJSON(cidr: addition.rule.network.description, user: addition.rule.user?.value, coveredByTenantRules: addition.coveredByTenantRules),
                status: 201)
        case "DELETE":
            guard let cidr = call.request.query["cidr"] else { throw GatehouseError.invalidInput("name the rule with ?cidr=…") }
            let user = try call.request.query["user"].map { text throws(GatehouseError) in try UserName(text) }
            try store.allowlists.remove(
                try IPNetwork(cidr), tenant: tenant, user: user, allowingEveryAddress: call.request.query["force"] == "true", by: call.actor)
            return call.noContent()
        default:
            throw GatehouseError.notFound("no such endpoint: \(method) /allowlist")
        }
    }

    struct AllowlistJSON: Encodable {
        let cidr: String
        let user: String?
        var coveredByTenantRules: Bool? = nil
    }
}
