import Foundation
import GatehouseCore
import Metrics
import Synchronization

/// Everything the connection handlers share, made once per server.
final class GatewayShared: Sendable {
    let settings: GatewaySettings
    let state: GatewayState
    let services: GatewayServices
    let sessions: SessionCache
    let tokens = TokenAuthenticator()
    let pools: UpstreamPools
    let denials = DenialThrottle()
    let tokenizations = TokenizationTally()
    let cardProcessor: CardProcessorClient
    let resolver: ClientAddressResolver
    /// Nil when the log level is above info.
    let accessLog: (any AccessLogSink)?
    let admin: (any AdminBackend)?
    /// Requests answered, by status class (1xx…5xx), made once: a metric lookup per request would cost.
    let responses: [Counter] = (1...5).map { Counter(label: "gatehouse_http_responses_total", dimensions: [("class", "\($0)xx")]) }
    let upstreamFailures = Counter(label: "gatehouse_upstream_failures_total")
    let cardsTokenized = Counter(label: "gatehouse_cards_tokenized_total")
    let cardsRefused = Counter(label: "gatehouse_card_requests_refused_total")

    init(settings: GatewaySettings, state: GatewayState, services: GatewayServices, pools: UpstreamPools, admin: (any AdminBackend)?) {
        self.admin = admin
        self.settings = settings
        self.state = state
        self.services = services
        self.pools = pools
        cardProcessor = CardProcessorClient(client: .shared, timeout: .seconds(10), cards: services.cards)
        sessions = SessionCache(
            store: services.sessions, idleTimeout: settings.sessionIdleTimeout, absoluteTimeout: settings.sessionAbsoluteTimeout)
        resolver = ClientAddressResolver(trustedProxies: settings.trustedProxies)
        accessLog = services.logger.logLevel <= .info ? services.accessLog : nil
    }
}

/// Audits the first denial of a kind per address and tenant each minute, and counts the rest, so
/// a flood of refused requests cannot turn into a flood of database writes.
final class DenialThrottle: Sendable {
    private let recent = Mutex<[String: (first: Date, suppressed: Int)]>([:])
    let interval: TimeInterval = 60

    /// Returns the number of denials suppressed since the last audited one, or nil to stay quiet.
    func shouldAudit(_ key: String, now: Date) -> Int? {
        recent.withLock { recent in
            if recent.count > 10_000 { recent = recent.filter { now.timeIntervalSince($0.value.first) < interval } }
            if let entry = recent[key], now.timeIntervalSince(entry.first) < interval {
                recent[key] = (entry.first, entry.suppressed + 1)
                return nil
            }
            let suppressed = recent[key]?.suppressed ?? 0
            recent[key] = (now, 0)
            return suppressed
        }
    }
}
