import Foundation
import GatehouseCore
import GatehouseStore

/// An opened Gatehouse: settings, the store and who is acting. Every command starts here.
public struct GatehouseContext: Sendable {
    public let settings: GatehouseSettings
    public let store: AppDatabase
    /// The actor recorded for CLI actions: the operating-system user running the command.
    public let actor: AuditActor

    public static func open(_ settings: GatehouseSettings, clock: any WallClock = SystemWallClock()) throws(GatehouseError)
        -> GatehouseContext
    {
        let store = try AppDatabase.open(DataDirectory(path: settings.dataPath), clock: clock)
        return GatehouseContext(settings: settings, store: store, actor: .cli(NSUserName()))
    }

    var now: Date { store.clock.now() }
}
