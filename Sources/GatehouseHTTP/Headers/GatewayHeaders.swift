import GatehouseCore
import NIOHTTP1

/// Header rules for both directions of the proxy.
enum GatewayHeaders {
    /// RFC 9110 §7.6.1 connection-specific fields, plus the proxy ones (Go's ReverseProxy list).
    static let hopByHop: Set<String> = [
        "connection", "proxy-connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authorization", "proxy-authenticate",
    ]

    static let identityPrefix = "x-gatehouse-"
    static let sessionCookie = "__Host-gatehouse_session"
    static let csrfCookie = "__Host-gatehouse_csrf"

    /// Removes hop-by-hop fields and every field the `Connection` header names.
    static func removeHopByHop(_ headers: inout HTTPHeaders) {
        let named = headers["connection"].flatMap { $0.split(separator: ",") }.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        for name in hopByHop.union(named) { headers.remove(name: name) }
    }

    /// The fields every response carries: no caching of tenant data in browsers, HSTS, no sniffing.
    static func addSecurityHeaders(_ headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: "strict-transport-security", value: "max-age=31536000; includeSubDomains")
        headers.replaceOrAdd(name: "cache-control", value: "no-store")
        headers.replaceOrAdd(name: "x-content-type-options", value: "nosniff")
    }

    /// The value of a cookie, from every `Cookie` field.
    static func cookie(_ name: String, in headers: HTTPHeaders) -> String? {
        for field in headers["cookie"] {
            for pair in field.split(separator: ";") {
                let trimmed = pair.trimmingCharacters(in: .whitespaces)
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                if trimmed[..<equals] == name { return String(trimmed[trimmed.index(after: equals)...]) }
            }
        }
        return nil
    }

    /// Rewrites `Cookie` fields without the gateway's own cookies (the upstream never sees them).
    static func removeGatewayCookies(_ headers: inout HTTPHeaders) {
        let kept = headers["cookie"].flatMap { $0.split(separator: ";") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.hasPrefix(sessionCookie + "=") && !$0.hasPrefix(csrfCookie + "=") && !$0.isEmpty }
        headers.remove(name: "cookie")
        if !kept.isEmpty { headers.add(name: "cookie", value: kept.joined(separator: "; ")) }
    }

    /// Removes client-supplied identity and forwarding fields; forwarding fields survive only from a trusted proxy.
    static func removeSpoofable(_ headers: inout HTTPHeaders, keepForwarding: Bool) {
        let identity = headers.map(\.name).filter { $0.lowercased().hasPrefix(identityPrefix) }
        for name in identity { headers.remove(name: name) }
        if !keepForwarding {
            for name in ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded", "x-real-ip"] {
                headers.remove(name: name)
            }
        }
    }
}
