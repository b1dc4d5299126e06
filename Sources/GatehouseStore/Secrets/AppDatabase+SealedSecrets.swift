import Foundation
import GRDB
import GatehouseCore

extension AppDatabase {
    /// A secret kept sealed in the store under `name` (the development CA key, host keys, …).
    public func sealedSecret(named name: String) throws(GatehouseError) -> Data? {
        let sealed = try read { try SealedSecretRecord.fetchOne($0, key: name)?.sealed }
        guard let sealed else { return nil }
        return try sealer.open(sealed, purpose: name)
    }

    /// Seals and stores a secret; refuses to overwrite one that exists.
    public func storeSealedSecret(_ secret: Data, named name: String) throws(GatehouseError) {
        let sealed: Data
        do { sealed = try sealer.seal(secret, purpose: name) } catch {
            throw .environment("cannot seal \(name): \(error)")
        }
        let now = clock.now()
        try write { db in
            guard try SealedSecretRecord.fetchOne(db, key: name) == nil else {
                throw GatehouseError.conflict("a sealed secret named \(name) already exists")
            }
            try SealedSecretRecord(name: name, sealed: sealed, createdAt: now.milliseconds).insert(db)
        }
    }
}
