/// Where a request's host leads: a tenant (by its platform name or a custom domain), the admin
/// API, or nowhere.
public enum HostRoute: Hashable, Sendable {
    case tenant(TenantPrefix)
    case admin
    case unknown
}

/// Resolves `Host` (or SNI) values against the platform domain and the custom-domain table.
public struct HostRouter: Sendable {
    public let platformDomain: HostName
    public let customDomains: [String: TenantPrefix]

    public init(platformDomain: HostName, customDomains: [String: TenantPrefix]) {
        self.platformDomain = platformDomain
        self.customDomains = customDomains
    }

    /// Strips a port and a trailing dot, lowercases, and routes. Anything malformed is `.unknown`.
    public func route(host rawHost: String) -> HostRoute {
        guard let host = Self.normalize(rawHost) else { return .unknown }
        return route(normalizedHost: host)
    }

    /// Routes a host name `normalize` has already returned.
    public func route(normalizedHost host: String) -> HostRoute {
        if let prefix = customDomains[host] { return .tenant(prefix) }
        let suffix = "." + platformDomain.value
        guard host.hasSuffix(suffix) else { return .unknown }
        let label = String(host.dropLast(suffix.count))
        if label == "admin" { return .admin }
        guard !label.contains("."), let prefix = try? TenantPrefix(label) else { return .unknown }
        return .tenant(prefix)
    }

    /// `Host` header value → bare lowercase host name, or nil if it is not one.
    public static func normalize(_ rawHost: String) -> String? {
        var host = Substring(rawHost)
        if host.hasPrefix("[") { return nil }  // IP literal: never a tenant
        if let colon = host.lastIndex(of: ":") {
            let port = host[host.index(after: colon)...]
            guard !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }), port.count <= 5 else { return nil }
            host = host[..<colon]
        }
        guard let name = try? HostName(String(host)), !name.isWildcard else { return nil }
        return name.value
    }
}
