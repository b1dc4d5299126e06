import Foundation
import GatehouseCore
import NIOHTTP1

/// What a request offers as proof of identity, read from its headers without judging it.
enum PresentedCredential {
    case basic(user: String, password: String)
    case bearer(String)
    case session(String)
    case none
    /// An Authorization header that is not Basic or Bearer, or is malformed.
    case malformed

    init(headers: HTTPHeaders) {
        var authorization: String?
        for (name, value) in headers where name.equalsIgnoringASCIICase("authorization") {
            guard authorization == nil else {
                self = .malformed
                return
            }
            authorization = value
        }
        if let authorization {
            let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2 else {
                self = .malformed
                return
            }
            if parts[0].equalsIgnoringASCIICase("bearer") {
                self = .bearer(String(parts[1].trimmingASCIISpaces))
            } else if parts[0].equalsIgnoringASCIICase("basic") {
                guard let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
                      let decoded = String(data: data, encoding: .utf8), let colon = decoded.firstIndex(of: ":")
                else {
                    self = .malformed
                    return
                }
                self = .basic(user: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
            } else {
                self = .malformed
            }
            return
        }
        if let session = GatewayHeaders.cookie(GatewayHeaders.sessionCookie, in: headers), !session.isEmpty {
            self = .session(session)
            return
        }
        self = .none
    }
}
