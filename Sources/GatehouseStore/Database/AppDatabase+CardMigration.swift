import GRDB

extension AppDatabase {
    /// Card tokenization per tenant: whether it is on, what tokens keep, the card processor, and
    /// the tenant's token key (sealed). A tenant without a row tokenizes with the defaults.
    static func registerCardMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-cards") { db in
            try db.execute(sql: """
                CREATE TABLE cardPolicy (
                    tenantId INTEGER PRIMARY KEY REFERENCES tenant(id) ON DELETE CASCADE,
                    tokenize INTEGER NOT NULL DEFAULT 1 CHECK (tokenize IN (0, 1)),
                    keepsBIN INTEGER NOT NULL DEFAULT 0 CHECK (keepsBIN IN (0, 1)),
                    processorURL TEXT CHECK (processorURL IS NULL OR processorURL GLOB 'http*://?*'),
                    keySealed BLOB NOT NULL CHECK (length(keySealed) > 32),
                    updatedAt INTEGER NOT NULL
                );
                """)
            for (name, event) in [("insert", "INSERT"), ("delete", "DELETE"), ("update", "UPDATE")] {
                try db.execute(sql: """
                    CREATE TRIGGER cardPolicy_generation_\(name) AFTER \(event) ON cardPolicy
                    BEGIN UPDATE configGeneration SET value = value + 1; END;
                    """)
            }
        }
    }
}
