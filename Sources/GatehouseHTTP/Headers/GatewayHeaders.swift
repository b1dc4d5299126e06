import GatehouseCore
import NIOHTTP1

/// Header rules for both directions of the proxy.
enum GatewayHeaders {
    /// RFC 9110 §7.6.1 connection-specific fields, plus the proxy ones (Go's ReverseProxy list).
    static let hopByHop: Set<String> = [
        "connection", "proxy-connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authorization", "proxy-authenticate",
    ]

    /// The fields every response carries: no caching of tenant data in browsers, HSTS, no sniffing.
    /// Set here once for the gateway's own pages and for proxied responses.
    static let securityFields: [(name: String, value: String)] = [
        ("strict-transport-security", "max-age=31536000; includeSubDomains"), ("cache-control", "no-store"),
        ("x-content-type-options", "nosniff"),
    ]
    static let identityPrefix = "x-gatehouse-"
    static let sessionCookie = "__Host-gatehouse_session"
    static let csrfCookie = "__Host-gatehouse_csrf"

    static func addSecurityHeaders(_ headers: inout HTTPHeaders) {
        for field in securityFields { headers.replaceOrAdd(name: field.name, value: field.value) }
    }

    /// The codings a Content-Encoding or Transfer-Encoding field lists (all its lines, comma-separated),
    /// trimmed and lowercased, in order.
    static func codings(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { String($0.trimmingASCIISpaces).asciiLowercased }
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

}
