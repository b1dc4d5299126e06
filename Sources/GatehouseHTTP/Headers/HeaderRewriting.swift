import GatehouseCore
import NIOHTTP1

/// Request fields a tokenizing exchange does not forward.
struct DroppedFields: OptionSet {
    let rawValue: UInt8
    /// The upstream must answer uncompressed, so card numbers in responses can be masked: the client's
    /// field is replaced with `Accept-Encoding: identity` (without the field any coding is acceptable,
    /// RFC 9110 §12.5.3).
    static let acceptEncoding = DroppedFields(rawValue: 1)
    /// The body was decoded and goes on as identity.
    static let contentEncoding = DroppedFields(rawValue: 2)
    /// The upstream must answer whole: a card number split between two ranges would be masked in
    /// neither (each piece is too short to be one), so `Range` and `If-Range` are not forwarded
    /// and the client gets the full, masked representation (RFC 9110 §14.2 lets a server ignore Range).
    static let range = DroppedFields(rawValue: 4)

    func drops(_ lowercasedName: String) -> Bool {
        (contains(.acceptEncoding) && lowercasedName == "accept-encoding") || (contains(.contentEncoding) && lowercasedName == "content-encoding")
            || (contains(.range) && (lowercasedName == "range" || lowercasedName == "if-range"))
    }
}

/// Both directions' header rewriting in one pass each: a proxied request is on the hot path, so
/// this walks the fields once instead of calling `remove(name:)` for every rule.
enum HeaderRewriting {
    static let securityHeaders = Set(GatewayHeaders.securityFields.map(\.name))
    /// Fields a client may not remove by naming them in `Connection`: framing must reach the upstream
    /// exactly as the gateway parsed it.
    static let unremovable: Set<String> = ["content-length", "transfer-encoding", "host"]
    static let forwarding: Set<String> = ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded", "x-real-ip"]

    /// What the upstream receives: no hop-by-hop fields, no credentials or gateway cookies, no
    /// client-sent identity; the gateway's forwarding and identity fields added.
    static func upstreamRequest(
        _ original: HTTPHeaders, clientIP: String, peer: String, fromTrustedProxy: Bool, host: String, user: User,
        roles: String, tenant: TenantPrefix, chunked: Bool, contentLength: Int?, dropping dropped: DroppedFields = []
    ) -> FieldList {
        let named = connectionNamed(original).subtracting(unremovable)
        var fields: [(name: String, value: String)] = []
        var priorForwardedFor: [String] = []
        fields.reserveCapacity(original.count + 7)
        for (name, value) in original {
            // Only names as long as a field handled here, or that may start with the identity prefix,
            // need a lowercase copy to compare.
            if named.isEmpty && !requestRuleLengths.contains(name.utf8.count)
                && !(name.utf8.count >= GatewayHeaders.identityPrefix.utf8.count && name.utf8.first! | 0x20 == UInt8(ascii: "x"))
            {
                fields.append((name, value))
                continue
            }
            // `X-Gatehouse_User` is `X-Gatehouse-User` to CGI-style servers: compare with dashes.
            let lower = name.asciiLowercased.replacingUnderscores
            if GatewayHeaders.hopByHop.contains(lower) || named.contains(lower) { continue }
            if !dropped.isEmpty && dropped.drops(lower) { continue }
            switch lower {
            case "authorization", "expect", "x-forwarded-proto", "x-forwarded-host":
                continue
            case "x-forwarded-for":
                if fromTrustedProxy { priorForwardedFor.append(value) }
                continue
            case "forwarded", "x-real-ip":
                if fromTrustedProxy { fields.append((name, value)) }
                continue
            case "cookie":
                if value.utf8.containsBytes("__Host-gatehouse_".utf8) {
                    let kept = value.split(separator: ";").map { $0.trimmingASCIISpaces }.filter {
                        !$0.hasPrefix(GatewayHeaders.sessionCookie + "=") && !$0.hasPrefix(GatewayHeaders.csrfCookie + "=") && !$0.isEmpty
                    }
                    if !kept.isEmpty { fields.append((name, kept.joined(separator: "; "))) }
                } else {
                    fields.append((name, value))
                }
                continue
            case "content-length", "transfer-encoding":
                continue
            default:
                if lower.hasPrefix(GatewayHeaders.identityPrefix) { continue }
            }
            fields.append((name, value))
        }
        let forwardedFor = fromTrustedProxy && !priorForwardedFor.isEmpty
            ? priorForwardedFor.joined(separator: ", ") + ", " + peer : clientIP
        fields.append(("x-forwarded-for", forwardedFor))
        fields.append(("x-forwarded-proto", "https"))
        fields.append(("x-forwarded-host", host))
        fields.append(("x-gatehouse-user", user.name.value))
        fields.append(("x-gatehouse-tenant", tenant.value))
        fields.append(("x-gatehouse-roles", roles))
        if dropped.contains(.acceptEncoding) { fields.append(("accept-encoding", "identity")) }
        // Framing is rebuilt from what the gateway parsed, never copied.
        if chunked {
            fields.append(("transfer-encoding", "chunked"))
        } else if let contentLength {
            fields.append(("content-length", String(contentLength)))
        }
        return FieldList(fields)
    }

    /// The lengths of the names `upstreamRequest` drops or inspects (underscores count as dashes).
    static let requestRuleLengths = FieldNameLengths(
        GatewayHeaders.hopByHop.union(forwarding).union([
            "accept-encoding", "content-encoding", "authorization", "expect", "cookie", "content-length", "transfer-encoding",
            "range", "if-range",
        ]))

    /// `X-Gatehouse-Roles`: the user's roles, sorted, comma-separated.
    static func rolesValue(_ user: User) -> String {
        user.roles.sorted().map(\.rawValue).joined(separator: ",")
    }

    /// What the client receives: no hop-by-hop fields, no cookie that would plant a gateway
    /// session, and the gateway's security headers.
    static func clientResponse(_ original: HTTPHeaders, close: Bool) -> FieldList {
        let named = connectionNamed(original)
        var fields: [(name: String, value: String)] = []
        fields.reserveCapacity(original.count + 4)
        for (name, value) in original {
            // Only names as long as a field dropped here need a lowercase copy to compare.
            if named.isEmpty && !responseRuleLengths.contains(name.utf8.count) {
                fields.append((name, value))
                continue
            }
            let lower = name.asciiLowercased
            if GatewayHeaders.hopByHop.contains(lower) || named.contains(lower) || securityHeaders.contains(lower) { continue }
            if lower == "set-cookie" && isGatewayCookie(value) { continue }
            fields.append((name, value))
        }
        // Any such field of the upstream's was left out above, so these are added, not replaced.
        fields.append(contentsOf: GatewayHeaders.securityFields.lazy.map { ($0.name, $0.value) })
        if close { fields.append(("connection", "close")) }
        return FieldList(fields)
    }

    /// The lengths of the names `clientResponse` drops or inspects.
    static let responseRuleLengths = FieldNameLengths(GatewayHeaders.hopByHop.union(securityHeaders).union(["set-cookie"]))

    /// Whether a `Set-Cookie` value sets one of the gateway's cookies (names compared as browsers
    /// parse them: up to '=', spaces trimmed, case-sensitive).
    static func isGatewayCookie(_ setCookie: String) -> Bool {
        let name = setCookie.prefix { $0 != "=" }.trimmingASCIISpaces
        return name == GatewayHeaders.sessionCookie || name == GatewayHeaders.csrfCookie
    }

    /// Field names listed in `Connection` (lowercased) other than the hop-by-hop ones, which are
    /// dropped anyway; empty in the usual case (`Connection: keep-alive`), so the rewriting above
    /// keeps its fast path.
    static func connectionNamed(_ headers: HTTPHeaders) -> Set<String> {
        // Looked up by name, which compares names in place: iterating yields a (name, value) copy per field.
        let values = headers["connection"]
        guard !values.isEmpty else { return [] }
        var named: Set<String> = []
        for value in values {
            if value.equalsIgnoringASCIICase("keep-alive") { continue }  // the usual value, and hop-by-hop itself
            for token in value.split(separator: ",") {
                let name = String(token.trimmingASCIISpaces).asciiLowercased
                if !GatewayHeaders.hopByHop.contains(name) { named.insert(name) }
            }
        }
        return named
    }
}

/// A set of field-name lengths (all below 64), so most names are passed over without a lowercase copy.
struct FieldNameLengths {
    private let bits: UInt64

    init(_ names: Set<String>) {
        bits = names.reduce(0) { $0 | (1 << UInt64($1.utf8.count)) }
        precondition(names.allSatisfy { $0.utf8.count < 64 })
    }

    func contains(_ length: Int) -> Bool {
        length < 64 && bits & (1 << UInt64(length)) != 0
    }
}

extension String {
    /// Lowercases ASCII letters only; returns self untouched when there are none (the usual case).
    var asciiLowercased: String {
        guard utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return self }
        // Written straight into the new string's storage: header names are lowercased per request.
        return String(unsafeUninitializedCapacity: utf8.count) { output in
            var count = 0
            for byte in utf8 {
                output[count] = byte.asciiLowercased
                count += 1
            }
            return count
        }
    }
}

extension StringProtocol {
    /// Whether this equals `lowercase` (lowercase ASCII) but for ASCII case, without a lowercase copy.
    func equalsIgnoringASCIICase(_ lowercase: String) -> Bool {
        guard utf8.count == lowercase.utf8.count else { return false }
        // Per header field on every request: compared over contiguous bytes when the strings are native.
        let compared = utf8.withContiguousStorageIfAvailable { bytes in
            lowercase.utf8.withContiguousStorageIfAvailable { expected in
                for index in 0..<bytes.count where bytes[index].asciiLowercased != expected[index] { return false }
                return true
            }
        }
        if let compared, let compared { return compared }
        return zip(utf8, lowercase.utf8).allSatisfy { byte, expected in byte.asciiLowercased == expected }
    }
}

extension String {
    var replacingUnderscores: String {
        guard utf8.contains(UInt8(ascii: "_")) else { return self }
        return String(decoding: utf8.map { $0 == UInt8(ascii: "_") ? UInt8(ascii: "-") : $0 }, as: UTF8.self)
    }
}

extension Substring {
    var trimmingASCIISpaces: Substring {
        var slice = self
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return slice
    }
}
