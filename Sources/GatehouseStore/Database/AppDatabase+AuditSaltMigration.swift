import GRDB

extension AppDatabase {
    /// Per-event salts (audit chain format 2): an event's hash links the previous hash to a salted
    /// leaf, so an export can withhold another tenant's event yet keep the chain checkable (the leaf
    /// is given), and nobody can confirm a guess about a withheld event's content. Older events keep
    /// a NULL salt and format 1.
    static func registerAuditSaltMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-audit-salt") { db in
            try db.execute(sql: "ALTER TABLE auditEvent ADD COLUMN salt BLOB CHECK (salt IS NULL OR length(salt) = 16)")
        }
    }
}
