import Crypto
import Foundation
import GatehouseBackup
import GatehouseCore
import GatehouseSFTP
import GatehouseStore

/// The SFTP server's host key (Ed25519, made on first use, sealed in the store) and the files each
/// tenant's sessions see.
enum SFTPWiring {
    static let hostKeyName = "sftp-host-key"

    static func hostKey(_ store: AppDatabase) throws(GatehouseError) -> Curve25519.Signing.PrivateKey {
        if let raw = try store.sealedSecret(named: hostKeyName) {
            do { return try Curve25519.Signing.PrivateKey(rawRepresentation: raw) } catch {
                throw .environment("the sealed SFTP host key is not an Ed25519 key")
            }
        }
        let key = Curve25519.Signing.PrivateKey()
        do {
            try store.storeSealedSecret(key.rawRepresentation, named: hostKeyName)
        } catch let error where error.kind == .conflict {
            return try hostKey(store)  // another process made it first
        }
        return key
    }

    /// Backups younger than 7 days and their `.sha256` files, as they are on disk now.
    static func downloadables(_ store: AppDatabase, files: BackupFiles, clock: any WallClock) -> @Sendable (TenantPrefix) -> [SFTPDownloadable] {
        { tenant in
            let now = clock.now()
            guard let backups = try? store.backups.backups(of: tenant) else { return [] }
            var result: [SFTPDownloadable] = []
            for backup in backups where !backup.isExpired(at: now) {
                for url in [files.file(backup), files.checksumFile(backup)] {
                    guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
                          attributes[.type] as? FileAttributeType == .typeRegular,
                          let size = (attributes[.size] as? NSNumber)?.uint64Value
                    else { continue }
                    result.append(SFTPDownloadable(name: url.lastPathComponent, size: size, modified: backup.createdAt, path: url.path))
                }
            }
            return result
        }
    }
}
