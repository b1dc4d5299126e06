import Foundation
import GatehouseCore
import GatehouseSFTP

/// `gatehouse sftp …`
public struct SFTPCommands: Sendable {
    let context: GatehouseContext

    public init(_ context: GatehouseContext) { self.context = context }

    /// The host key's fingerprint and public key, for customers' known_hosts (made now if missing).
    public func hostKey() throws(GatehouseError) -> CommandOutput {
        let key = try SFTPWiring.hostKey(try context.store())
        return CommandOutput("\(SFTPHostKey.fingerprint(key))\n\(SFTPHostKey.openSSHLine(key))\n")
    }
}
