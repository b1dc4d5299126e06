import GRDB

extension AppDatabase {
    /// Tables the HTTPS gateway adds: custom domains, the certificate catalogue, browser sessions,
    /// and a configuration generation that triggers bump on every change a running server must see.
    static func registerGatewayMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-gateway") { db in
            try db.execute(sql: """
                CREATE TABLE domain (
                    hostname TEXT PRIMARY KEY CHECK (hostname = lower(hostname) AND hostname NOT GLOB '*[^a-z0-9.-]*'),
                    tenantId INTEGER NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
                    createdAt INTEGER NOT NULL
                );
                CREATE INDEX domain_tenant ON domain(tenantId);

                CREATE TABLE certificate (
                    hostname TEXT PRIMARY KEY,
                    tenantId INTEGER REFERENCES tenant(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL CHECK (kind IN ('platform', 'custom')),
                    fingerprint TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    issuer TEXT NOT NULL,
                    subjectAlternativeNames TEXT NOT NULL,
                    notBefore INTEGER NOT NULL,
                    notAfter INTEGER NOT NULL,
                    importedAt INTEGER NOT NULL,
                    lastExpiryWarningDays INTEGER
                );

                CREATE TABLE session (
                    digest BLOB PRIMARY KEY CHECK (length(digest) = 32),
                    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    csrfToken TEXT NOT NULL,
                    sourceIP TEXT,
                    createdAt INTEGER NOT NULL,
                    lastSeenAt INTEGER NOT NULL,
                    expiresAt INTEGER NOT NULL
                );
                CREATE INDEX session_user ON session(userId);

                CREATE TABLE configGeneration (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    value INTEGER NOT NULL
                );
                INSERT INTO configGeneration (id, value) VALUES (1, 1);
                """)
            let watched: [(table: String, update: String)] = [
                ("tenant", "UPDATE"), ("user", "UPDATE"), ("userRole", "UPDATE"), ("allowlistRule", "UPDATE"),
                ("domain", "UPDATE"), ("certificate", "UPDATE OF fingerprint, tenantId, kind"),
                ("apiToken", "UPDATE OF revokedAt, expiresAt, userId"), ("passwordCredential", "UPDATE"),
            ]
            for (table, update) in watched {
                for (name, event) in [("insert", "INSERT"), ("delete", "DELETE"), ("update", update)] {
                    try db.execute(sql: """
                        CREATE TRIGGER \(table)_generation_\(name) AFTER \(event) ON \(table)
                        BEGIN UPDATE configGeneration SET value = value + 1; END;
                        """)
                }
            }
        }
    }
}
