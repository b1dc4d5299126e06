import Foundation
import GatehouseCore
import Logging

/// The ports the gateway reaches the rest of Gatehouse through; GatehouseApp supplies them.
public struct GatewayServices: Sendable {
    public let credentials: any CredentialVerifier
    public let audit: any AuditSink
    /// Card number detection, rewriting and masking (GatehouseTokenization, wired by the app).
    public let cards: any CardProtection
    public let sessions: any SessionStore
    public let defender: SharedDefender
    public let clock: any WallClock
    /// Called now and then with the API tokens used since the last call (never per request).
    public let tokensUsed: @Sendable (Set<Int64>) async -> Void
    public let logger: Logger
    /// Access-log lines, written when `logger`'s level admits info.
    public let accessLog: any AccessLogSink

    public init(
        credentials: any CredentialVerifier, audit: any AuditSink, cards: any CardProtection, sessions: any SessionStore,
        defender: SharedDefender,
        clock: any WallClock, tokensUsed: @escaping @Sendable (Set<Int64>) async -> Void, logger: Logger,
        accessLog: any AccessLogSink
    ) {
        self.credentials = credentials
        self.audit = audit
        self.cards = cards
        self.sessions = sessions
        self.defender = defender
        self.clock = clock
        self.tokensUsed = tokensUsed
        self.logger = logger
        self.accessLog = accessLog
    }

    /// Records an audit event without holding up the request; failures are logged.
    func record(_ event: AuditEvent) {
        let logger = logger
        audit.recordInBackground(event) { error in
            logger.error("audit write failed", metadata: ["action": "\(event.action)", "error": "\(error)"])
        }
    }
}
