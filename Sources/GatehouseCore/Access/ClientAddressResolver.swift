import Foundation

/// Decides a request's client address: the socket peer, unless the peer is a trusted proxy, in
/// which case `X-Forwarded-For` is walked right to left to the first untrusted address (nginx's
/// `real_ip_recursive on`). A malformed entry stops the walk at the last good address.
public struct ClientAddressResolver: Sendable {
    public let trustedProxies: [IPNetwork]

    public init(trustedProxies: [IPNetwork]) {
        self.trustedProxies = trustedProxies
    }

    public func isTrusted(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }

    /// - Parameter forwardedFor: every `X-Forwarded-For` field value, in order.
    public func clientAddress(peer: IPAddress, forwardedFor: [String]) -> IPAddress {
        guard isTrusted(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        var client = peer
        for hop in hops.reversed() {
            guard let address = Self.parseHop(hop) else { return client }
            client = address
            if !isTrusted(address) { return address }
        }
        return client
    }

    /// An XFF entry: an address, optionally `[v6]` or `v4:port` as some proxies write them.
    static func parseHop(_ text: String) -> IPAddress? {
        if let address = try? IPAddress(text) { return address }
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            return try? IPAddress(String(text[text.index(after: text.startIndex)..<close]))
        }
        if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            return try? IPAddress(String(text[..<colon]))
        }
        return nil
    }
}
