import GRDB

extension AppDatabase {
    /// Schema history. A shipped migration is never edited; changes are new migrations.
    /// Times are integer milliseconds since 1970 (UTC).
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.execute(sql: """
                CREATE TABLE tenant (
                    id INTEGER PRIMARY KEY,
                    prefix TEXT NOT NULL UNIQUE
                        CHECK (length(prefix) BETWEEN 3 AND 63 AND prefix NOT GLOB '*[^a-z0-9-]*'
                               AND prefix NOT GLOB '-*' AND prefix NOT GLOB '*-'),
                    displayName TEXT NOT NULL CHECK (length(displayName) BETWEEN 1 AND 200),
                    upstream TEXT NOT NULL CHECK (upstream GLOB 'http://?*' OR upstream GLOB 'https://?*'),
                    region TEXT NOT NULL,
                    databasePath TEXT,
                    expiresAt INTEGER NOT NULL,
                    suspendedAt INTEGER,
                    createdAt INTEGER NOT NULL
                );

                CREATE TABLE user (
                    id INTEGER PRIMARY KEY,
                    tenantId INTEGER REFERENCES tenant(id) ON DELETE CASCADE,
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64 AND name NOT GLOB '*[^a-z0-9._-]*'),
                    createdAt INTEGER NOT NULL,
                    disabledAt INTEGER
                );
                CREATE UNIQUE INDEX user_scope_name ON user(ifnull(tenantId, 0), name);

                CREATE TABLE userRole (
                    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'user', 'backup', 'auditor', 'operator')),
                    PRIMARY KEY (userId, role)
                ) WITHOUT ROWID;

                CREATE TABLE passwordCredential (
                    userId INTEGER PRIMARY KEY REFERENCES user(id) ON DELETE CASCADE,
                    hash TEXT NOT NULL CHECK (hash GLOB '$pbkdf2-sha256$i=*'),
                    updatedAt INTEGER NOT NULL
                );

                CREATE TABLE apiToken (
                    id INTEGER PRIMARY KEY,
                    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    digest BLOB NOT NULL UNIQUE CHECK (length(digest) = 32),
                    hint TEXT NOT NULL,
                    createdAt INTEGER NOT NULL,
                    expiresAt INTEGER,
                    revokedAt INTEGER,
                    lastUsedAt INTEGER
                );
                CREATE INDEX apiToken_user ON apiToken(userId);

                CREATE TABLE sshKey (
                    id INTEGER PRIMARY KEY,
                    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    algorithm TEXT NOT NULL,
                    keyBlob BLOB NOT NULL,
                    fingerprint TEXT NOT NULL,
                    comment TEXT NOT NULL,
                    createdAt INTEGER NOT NULL,
                    UNIQUE (userId, fingerprint)
                );

                CREATE TABLE allowlistRule (
                    id INTEGER PRIMARY KEY,
                    tenantId INTEGER NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
                    userId INTEGER REFERENCES user(id) ON DELETE CASCADE,
                    cidr TEXT NOT NULL,
                    createdAt INTEGER NOT NULL
                );
                CREATE UNIQUE INDEX allowlistRule_unique ON allowlistRule(tenantId, ifnull(userId, 0), cidr);

                CREATE TABLE auditEvent (
                    sequence INTEGER PRIMARY KEY,
                    time INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    tenant TEXT,
                    sourceIP TEXT,
                    action TEXT NOT NULL,
                    target TEXT,
                    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
                    details TEXT NOT NULL,
                    previousHash BLOB NOT NULL CHECK (length(previousHash) = 32),
                    hash BLOB NOT NULL CHECK (length(hash) = 32)
                );
                CREATE INDEX auditEvent_tenant_time ON auditEvent(tenant, time);
                CREATE INDEX auditEvent_time ON auditEvent(time);
                CREATE TRIGGER auditEvent_appendOnly_update BEFORE UPDATE ON auditEvent
                    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
                CREATE TRIGGER auditEvent_appendOnly_delete BEFORE DELETE ON auditEvent
                    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

                CREATE TABLE auditCheckpoint (
                    id INTEGER PRIMARY KEY,
                    sequence INTEGER NOT NULL,
                    hash BLOB NOT NULL CHECK (length(hash) = 32),
                    time INTEGER NOT NULL,
                    publicKey BLOB NOT NULL,
                    signature BLOB NOT NULL
                );
                CREATE TRIGGER auditCheckpoint_appendOnly_update BEFORE UPDATE ON auditCheckpoint
                    BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
                CREATE TRIGGER auditCheckpoint_appendOnly_delete BEFORE DELETE ON auditCheckpoint
                    BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;

                CREATE TABLE auditHead (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    sequence INTEGER NOT NULL,
                    hash BLOB NOT NULL CHECK (length(hash) = 32),
                    signature BLOB NOT NULL
                );

                CREATE TABLE sealedSecret (
                    name TEXT PRIMARY KEY,
                    sealed BLOB NOT NULL,
                    createdAt INTEGER NOT NULL
                );
                """)
        }
        registerGatewayMigration(&migrator)
        registerCardMigration(&migrator)
        registerBackupMigration(&migrator)
        registerEvidenceMigration(&migrator)
        registerAuditSaltMigration(&migrator)
        return migrator
    }
}
