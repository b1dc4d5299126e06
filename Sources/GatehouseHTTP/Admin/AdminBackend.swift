import Foundation
import GatehouseCore

/// A request to the admin API, once the gateway has authenticated its caller.
public struct AdminRequest: Sendable {
    public let method: String
    /// Path segments after `/api/v1`, percent-decoded: `["tenants", "acme", "users"]`.
    public let path: [String]
    public let query: [String: String]
    public let contentType: String
    public let body: Data
    public let sourceIP: String

    public init(method: String, path: [String], query: [String: String], contentType: String, body: Data, sourceIP: String) {
        self.method = method
        self.path = path
        self.query = query
        self.contentType = contentType
        self.body = body
        self.sourceIP = sourceIP
    }
}

/// A JSON answer: a status and an encoded body.
public struct AdminResponse: Sendable {
    public let status: Int
    public let body: Data
    public let contentType: String

    public init(status: Int, body: Data, contentType: String = "application/json") {
        self.status = status
        self.body = body
        self.contentType = contentType
    }

    /// `{"error":{"code":…,"message":…}}`, the one error shape of the API.
    public static func error(_ status: Int, code: String, _ message: String) -> AdminResponse {
        let object = ["error": ["code": code, "message": message]]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return AdminResponse(status: status, body: data)
    }
}

/// Carries out admin API calls. The gateway owns transport, authentication, bans and allowlists;
/// GatehouseApp implements the endpoints over the store.
public protocol AdminBackend: Sendable {
    func handle(_ request: AdminRequest, by user: User) async -> AdminResponse
}
