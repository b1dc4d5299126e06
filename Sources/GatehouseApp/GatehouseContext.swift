import Foundation
import GatehouseCore
import GatehouseStore
import Synchronization

/// Settings, who is acting, and the store, opened on first use: a command checks its arguments
/// before it touches the data directory, so a bad argument never creates or changes anything.
public final class GatehouseContext: Sendable {
    public let settings: GatehouseSettings
    public let clock: any WallClock
    /// The actor recorded for CLI actions: the operating-system user running the command.
    public let actor: AuditActor
    private let opened = Mutex<AppDatabase?>(nil)

    public init(_ settings: GatehouseSettings, clock: any WallClock = SystemWallClock()) {
        self.settings = settings
        self.clock = clock
        self.actor = .cli(NSUserName())
    }

    /// The store in the data directory, created on first use.
    public func store() throws(GatehouseError) -> AppDatabase {
        if let store = opened.withLock({ $0 }) { return store }
        let store = try AppDatabase.open(DataDirectory(path: settings.dataPath), clock: clock)
        opened.withLock { $0 = store }
        return store
    }

    var now: Date { clock.now() }
}
