import Foundation
import GatehouseCore

/// Checks a request target before anything else looks at it: origin form only (absolute form is
/// reduced to it when its authority is the Host), and no dot-segments, so the path the gateway
/// authorises is the path the upstream serves.
enum RequestTarget {
    enum Verdict: Equatable {
        case origin(String)
        case refused(String)
    }

    static func check(_ uri: String, host: String) -> Verdict {
        var target = uri
        if !uri.hasPrefix("/") {
            let lower = uri.asciiLowercased
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), let components = URLComponents(string: uri),
                  let authority = components.host
            else {
                return .refused("The request target must be a path such as /index.html.")
            }
            guard components.user == nil, components.password == nil, HostRouter.normalize(authority) == host else {
                return .refused("The request target names another host than the Host header.")
            }
            let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
            target = path + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        }
        let path = target.prefix { $0 != "?" }
        // Only paths with '.' or '%' can hold a dot-segment; most have neither, so skip the walk.
        let mayHoldDots = path.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "%") }
        for segment in mayHoldDots ? path.split(separator: "/", omittingEmptySubsequences: false) : [] {
            let decoded = segment.replacingOccurrences(of: "%2e", with: ".", options: .caseInsensitive)
            if decoded == "." || decoded == ".." {
                return .refused("The request path may not contain '.' or '..' segments.")
            }
        }
        if target.utf8.contains(where: { $0 < 0x21 || $0 == 0x7F }) {
            return .refused("The request target contains control characters or spaces.")
        }
        return .origin(target)
    }
}
