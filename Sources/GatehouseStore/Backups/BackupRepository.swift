import Foundation
import GRDB
import GatehouseCore

/// The backup catalogue (Core's `BackupCatalog`). Rows go with their tenant.
public struct BackupRepository: BackupCatalog {
    let database: AppDatabase

    public func add(
        tenant: TenantPrefix, kind: BackupKind, fileName: String, sizeBytes: Int64, sha256: String, createdAt: Date
    ) throws(GatehouseError) -> Backup {
        try database.write { db in
            guard let tenantId = try TenantRepository.record(tenant, in: db)?.id else {
                throw GatehouseError.notFound("no tenant '\(tenant)'; see 'gatehouse tenant list'")
            }
            var record = BackupRecord(
                id: nil, tenantId: tenantId, kind: kind.rawValue, fileName: fileName, sizeBytes: sizeBytes, sha256: sha256,
                createdAt: createdAt.milliseconds)
            try record.insert(db)
            return Backup(
                id: record.id!, tenant: tenant, kind: kind, fileName: fileName, sizeBytes: sizeBytes, sha256: sha256, createdAt: createdAt)
        }
    }

    /// The tenant's backups, oldest first.
    public func backups(of tenant: TenantPrefix) throws(GatehouseError) -> [Backup] {
        try database.read { db in
            guard let tenantId = try TenantRepository.record(tenant, in: db)?.id else {
                throw GatehouseError.notFound("no tenant '\(tenant)'; see 'gatehouse tenant list'")
            }
            return try BackupRecord.filter(Column("tenantId") == tenantId).order(Column("createdAt"), Column("id")).fetchAll(db).compactMap { record in
                guard let kind = BackupKind(rawValue: record.kind) else { return nil }
                return Backup(
                    id: record.id!, tenant: tenant, kind: kind, fileName: record.fileName, sizeBytes: record.sizeBytes,
                    sha256: record.sha256, createdAt: Date(milliseconds: record.createdAt))
            }
        }
    }

    public func remove(_ backup: Backup) throws(GatehouseError) {
        try database.write { db in _ = try BackupRecord.deleteOne(db, key: backup.id) }
    }
}

extension AppDatabase {
    public var backups: BackupRepository { BackupRepository(database: self) }
}
