import Foundation

/// `application/x-www-form-urlencoded` in and percent-encoding out, for the sign-in pages.
enum FormCoding {
    static func decode(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = unescape(parts[0]) else { continue }
            fields[name] = parts.count > 1 ? unescape(parts[1]) ?? "" : ""
        }
        return fields
    }

    static func unescape(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// The value of `name` in a request URI's query string.
    static func queryValue(_ name: String, in uri: String) -> String? {
        guard let question = uri.firstIndex(of: "?") else { return nil }
        return decode(String(uri[uri.index(after: question)...]))[name]
    }

    /// A redirect target that stays on this site: a path of plain URL characters, never `//host`,
    /// a backslash, a control character or a scheme.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//") else { return "/" }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/?=&%+:@!$'()*,;#".utf8)
        guard next.utf8.allSatisfy(allowed.contains) else { return "/" }
        // Percent-encoded slashes, backslashes and controls could still become `//` in a browser.
        let lower = next.lowercased()
        guard !lower.contains("%2f%2f"), !lower.hasPrefix("/%2f"), !lower.contains("%5c"), !lower.contains("%09"),
              !lower.contains("%0a"), !lower.contains("%0d"), !lower.contains("%00")
        else { return "/" }
        return next
    }
}
