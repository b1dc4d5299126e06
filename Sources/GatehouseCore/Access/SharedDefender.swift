import Foundation
import Synchronization

/// One defender for every protocol: HTTPS and SFTP failures from an address add up.
public final class SharedDefender: Sendable {
    private let state: Mutex<Defender>
    private let clock: any WallClock

    public init(configuration: DefenderConfiguration = .init(), clock: any WallClock) {
        state = Mutex(Defender(configuration: configuration))
        self.clock = clock
    }

    /// Checks an attempt; an attempt while banned lengthens the ban.
    public func admit(_ address: IPAddress) -> Defender.Status {
        let now = clock.now()
        return state.withLock { $0.admit(address, at: now) }
    }

    /// Records a failure; returns the status after it (banned when this reached the threshold).
    @discardableResult
    public func record(_ event: DefenderEvent, from address: IPAddress) -> Defender.Status {
        let now = clock.now()
        return state.withLock { $0.record(event, from: address, at: now) }
    }
}
