import GRDB

extension AppDatabase {
    /// The backup catalogue: one row per backup file under backups/<tenant>/.
    static func registerBackupMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-backups") { db in
            try db.execute(sql: """
                CREATE TABLE backup (
                    id INTEGER PRIMARY KEY,
                    tenantId INTEGER NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL CHECK (kind IN ('full', 'frequent')),
                    fileName TEXT NOT NULL CHECK (fileName GLOB '[0-9]*T[0-9]*Z-*.sqlite.gz' AND fileName NOT GLOB '*/*'),
                    sizeBytes INTEGER NOT NULL CHECK (sizeBytes > 0),
                    sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
                    createdAt INTEGER NOT NULL,
                    UNIQUE (tenantId, fileName)
                );
                CREATE INDEX backup_tenant_created ON backup (tenantId, createdAt);
                """)
        }
    }
}
