import Foundation

/// The one source of "now" for every time-based rule (backup window, lifecycle, bans, expiry).
///
/// Nothing in Gatehouse reads the wall clock directly, so tests can drive time explicitly.
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The real clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}
