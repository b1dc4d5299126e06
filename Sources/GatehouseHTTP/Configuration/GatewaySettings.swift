import Foundation
import GatehouseCore

/// How the gateway listens and what limits it applies. Immutable for the life of `serve`.
public struct GatewaySettings: Sendable {
    public var bindHost: String = "127.0.0.1"
    public var httpsPort: Int = 8443
    /// The plain-HTTP port answers only with redirects to HTTPS; nil disables it.
    public var httpPort: Int? = 8080
    public var platformDomain: HostName
    public var trustedProxies: [IPNetwork] = []
    public var maxBodyBytes: Int = 32 * 1024 * 1024
    public var upstreamConnectTimeout: TimeInterval = 5
    /// How long to wait for the upstream's response head.
    public var upstreamResponseTimeout: TimeInterval = 60
    public var sessionIdleTimeout: TimeInterval = 30 * 60
    public var sessionAbsoluteTimeout: TimeInterval = 12 * 3600
    /// Idle pooled upstream connections kept per upstream and event loop.
    public var upstreamIdleConnections: Int = 64

    public init(platformDomain: HostName) {
        self.platformDomain = platformDomain
    }

    /// The port part of public URLs: omitted when it is HTTPS's default.
    var httpsPortSuffix: String { httpsPort == 443 ? "" : ":\(httpsPort)" }
}
