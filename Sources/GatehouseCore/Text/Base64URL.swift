import Foundation

extension Data {
    /// RFC 4648 §5 base64url without padding: tokens, session cookies, CSRF values.
    public var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
