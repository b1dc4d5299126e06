import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseStore
import GatehouseTLS

/// The admin API's endpoints (`https://admin.<platform-domain>/api/v1`), over the same store
/// operations as the CLI. Tenant admins act on their own tenant only; operators on every tenant.
/// Described in Documentation/admin-api.openapi.yaml.
struct AdminAPI: AdminBackend {
    let context: GatehouseContext
    let platformDomain: HostName
    let trustRoots: [String]

    func handle(_ request: AdminRequest, by user: User) async -> AdminResponse {
        do {
            return try await AuditContext.$sourceIP.withValue(request.sourceIP) {
                try await route(request, AdminCall(user: user, request: request))
            }
        } catch let error as GatehouseError {
            let status = switch error.kind {
            case .invalidInput: 400
            case .notFound: 404
            case .conflict: 409
            case .refused: 409
            case .environment: 500
            }
            return .error(status, code: error.kind.rawValue, error.message)
        } catch let denial as AdminDenial {
            return .error(403, code: "forbidden", denial.message)
        } catch {
            return .error(500, code: "internal", "The request could not be completed.")
        }
    }

    private func route(_ request: AdminRequest, _ call: AdminCall) async throws -> AdminResponse {
        let path = request.path, method = request.method
        let store = try context.store()
        if path == ["tenants"], method == "GET" {
            let tenants = try store.tenants.all().filter { call.mayRead($0.prefix) }
            let now = context.clock.now()
            return try call.json(tenants.map { TenantJSON($0, now: now) })
        }
        if path == ["metrics"], method == "GET" {
            guard call.isOperator else { throw AdminDenial(message: "metrics are for platform operators") }
            return AdminResponse(
                status: 200, body: Data(GatehouseMetrics.exposition().utf8), contentType: "text/plain; version=0.0.4")
        }
        if path == ["evidence"], method == "POST" {
            return try await AdminEvidence(context: context, call: call).export()
        }
        if path == ["certificates"], method == "GET" {
            let certificates = try store.certificates.all().filter { $0.tenant.map(call.mayRead) ?? call.isOperator }
            return try call.json(certificates.map(CertificateJSON.init))
        }
        guard path.count >= 2, path[0] == "tenants" else { throw GatehouseError.notFound("no such endpoint: \(method) /api/v1/\(path.joined(separator: "/"))") }
        let tenant = try TenantPrefix(path[1])
        let rest = Array(path.dropFirst(2))
        switch rest.first {
        case nil where method == "GET":
            try call.require(.readAudit, on: tenant, orAny: [.manageUsers, .manageAllowlist, .manageCertificates])
            return try call.json(TenantJSON(try store.tenants.find(tenant), now: context.clock.now()))
        case "users":
            try call.require(.manageUsers, on: tenant)
            return try await AdminUsers(store: store, call: call, tenant: tenant).handle(Array(rest.dropFirst()), method: method)
        case "allowlist":
            try call.require(.manageAllowlist, on: tenant)
            return try AdminAllowlist(store: store, call: call, tenant: tenant).handle(Array(rest.dropFirst()), method: method)
        case "domains":
            try call.require(.manageCertificates, on: tenant)
            return try await AdminDomains(api: self, store: store, call: call, tenant: tenant).handle(Array(rest.dropFirst()), method: method)
        default:
            throw GatehouseError.notFound("no such endpoint: \(method) /api/v1/\(path.joined(separator: "/"))")
        }
    }
}

/// A permission refusal: 403, with what was missing.
struct AdminDenial: Error {
    let message: String
}

/// The caller of one request, with the checks and encoders endpoints use.
struct AdminCall {
    let user: User
    let request: AdminRequest

    var actor: AuditActor { .user(user.qualifiedName) }
    var isOperator: Bool { user.scope == .platform && user.roles.contains(.operator) }

    func mayRead(_ tenant: TenantPrefix) -> Bool {
        isOperator || user.scope == .tenant(tenant)
    }

    /// Operators may do anything; a tenant user needs `permission` (or one of `any`) in their own tenant.
    func require(_ permission: Permission, on tenant: TenantPrefix, orAny any: [Permission] = []) throws {
        if isOperator { return }
        guard user.scope == .tenant(tenant) else {
            throw AdminDenial(message: "\(user.qualifiedName) may only manage tenant \(user.scope)")
        }
        guard ([permission] + any).contains(where: user.has) else {
            throw AdminDenial(message: "\(user.qualifiedName) lacks the permission '\(permission.rawValue)' (roles: \(user.roles.sorted().map(\.rawValue).joined(separator: ",")))")
        }
    }

    /// The request body as a JSON object; a clear 400 otherwise.
    func object() throws -> [String: Any] {
        guard !request.body.isEmpty else { throw GatehouseError.invalidInput("this request needs a JSON body") }
        // Only a JSON media type: a cross-site form can send text/plain, never application/json.
        guard request.contentType.lowercased().hasPrefix("application/json") else {
            throw GatehouseError.invalidInput("send the body as Content-Type: application/json")
        }
        guard let object = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any] else {
            throw GatehouseError.invalidInput("the body is not a JSON object")
        }
        return object
    }

    func string(_ object: [String: Any], _ key: String, required: Bool = true) throws -> String? {
        guard let value = object[key] else {
            if required { throw GatehouseError.invalidInput("the JSON field '\(key)' is missing") }
            return nil
        }
        guard let text = value as? String else { throw GatehouseError.invalidInput("the JSON field '\(key)' must be a string") }
        return text
    }

    func json(_ value: some Encodable, status: Int = 200) throws -> AdminResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return AdminResponse(status: status, body: try encoder.encode(value))
    }

    func noContent() -> AdminResponse { AdminResponse(status: 204, body: Data()) }
}

struct TenantJSON: Encodable {
    let prefix, name, upstream, region, state, expires: String
    init(_ tenant: Tenant, now: Date) {
        prefix = tenant.prefix.value
        name = tenant.displayName
        upstream = tenant.upstream.description
        region = tenant.region.rawValue
        state = tenant.subscription.state(at: now).rawValue
        expires = CalendarDay(through: tenant.subscription.expiresAt).description
    }
}

struct CertificateJSON: Encodable {
    let hostname: String, tenant: String?, kind, fingerprint, issuer: String, notBefore, notAfter: Date
    let subjectAlternativeNames: [String]
    init(_ certificate: CatalogedCertificate) {
        hostname = certificate.hostname
        tenant = certificate.tenant?.value
        kind = certificate.kind.rawValue
        fingerprint = certificate.fingerprint
        issuer = certificate.issuer
        notBefore = certificate.notBefore
        notAfter = certificate.notAfter
        subjectAlternativeNames = certificate.subjectAlternativeNames
    }
}
