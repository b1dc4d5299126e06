import Foundation
import GatehouseCore
import Synchronization

/// What the gateway consults per request: who may reach what, and which host is whose. A class:
/// requests take it by reference, and connections cache routes against its identity.
public final class GatewayConfiguration: Sendable {
    public let access: AccessSnapshot
    public let router: HostRouter
    /// Each tenant's card token source (its key and token format). A tokenizing tenant missing here
    /// gets no requests through: card protection fails closed.
    let cardTokens: [TenantPrefix: any CardTokenSource]

    public init(access: AccessSnapshot, platformDomain: HostName, cardTokens: [TenantPrefix: any CardTokenSource] = [:]) {
        self.access = access
        router = HostRouter(platformDomain: platformDomain, customDomains: access.domains)
        self.cardTokens = cardTokens
    }
}

/// Holds the current configuration; swapped whole when the store changes, read lock-briefly per request.
public final class GatewayState: Sendable {
    private let state: Mutex<GatewayConfiguration>

    public init(_ configuration: GatewayConfiguration) {
        state = Mutex(configuration)
    }

    public var current: GatewayConfiguration { state.withLock { $0 } }

    public func replace(_ configuration: GatewayConfiguration) {
        state.withLock { $0 = configuration }
    }
}
