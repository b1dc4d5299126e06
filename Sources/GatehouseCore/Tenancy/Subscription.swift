import Foundation

/// A tenant's subscription and the lifecycle rules that follow from it.
///
/// A tenant is active until its suspension starts: the earlier of its expiry and an operator's
/// manual suspension. Its data is kept for 30 days after that; a copy may be downloaded during the
/// first 10; at 30 days it is due for purge. Resume is allowed while suspended.
public struct Subscription: Hashable, Sendable {
    public static let retention: TimeInterval = 30 * 86_400
    public static let downloadGrace: TimeInterval = 10 * 86_400

    /// The instant the subscription ends (midnight UTC of the expiry day).
    public var expiresAt: Date
    /// When an operator suspended the tenant by hand, if they did.
    public var suspendedAt: Date?

    public init(expiresAt: Date, suspendedAt: Date? = nil) {
        self.expiresAt = expiresAt
        self.suspendedAt = suspendedAt
    }

    public enum State: String, Sendable, Codable {
        case active
        case suspended
        /// Past the retention period: the tenant and its data are to be purged.
        case purged
    }

    /// When the tenant stopped (or will stop) being active.
    public var suspensionStart: Date {
        if let suspendedAt, suspendedAt < expiresAt { return suspendedAt }
        return expiresAt
    }

    /// The instant from which the tenant may be purged.
    public var purgeAt: Date { suspensionStart.addingTimeInterval(Self.retention) }

    public func state(at now: Date) -> State {
        if now < suspensionStart { return .active }
        if now < purgeAt { return .suspended }
        return .purged
    }

    public func mayUseApplication(at now: Date) -> Bool { state(at: now) == .active }

    /// Backups may be downloaded while active and in the first 10 days of suspension.
    public func mayDownloadBackups(at now: Date) -> Bool {
        now < suspensionStart.addingTimeInterval(Self.downloadGrace)
    }

    public func mayPurge(at now: Date) -> Bool { state(at: now) == .purged }

    /// Whether the tenant's lifecycle lets anyone exercise `permission` now: the application only
    /// while active, backup downloads during the grace period too, administration until purge.
    public func allows(_ permission: Permission, at now: Date) -> Bool {
        switch permission {
        case .useApplication: mayUseApplication(at: now)
        case .downloadBackups: mayDownloadBackups(at: now)
        default: state(at: now) != .purged
        }
    }

    /// Suspends now; refused unless active.
    public func suspended(at now: Date) throws(GatehouseError) -> Subscription {
        switch state(at: now) {
        case .active: return Subscription(expiresAt: expiresAt, suspendedAt: now)
        case .suspended: throw .refused("tenant is already suspended (since \(suspensionStart.iso8601))")
        case .purged: throw .refused("tenant is past its retention period and is due for purge")
        }
    }

    /// Resumes a suspended tenant; a subscription that has expired needs a new expiry in the future.
    public func resumed(at now: Date, newExpiry: Date?) throws(GatehouseError) -> Subscription {
        switch state(at: now) {
        case .active:
            throw .refused("tenant is active; there is nothing to resume")
        case .purged:
            throw .refused(
                "tenant passed its retention period on \(purgeAt.iso8601) and cannot be resumed; delete it instead")
        case .suspended:
            let expiry = newExpiry ?? expiresAt
            guard expiry > now else {
                throw .refused(
                    "subscription ended on \(CalendarDay(through: expiresAt)); resume with --expires YYYY-MM-DD in the future")
            }
            return Subscription(expiresAt: expiry, suspendedAt: nil)
        }
    }
}
