import GRDB

extension AppDatabase {
    /// The breach register, and an index that lets evidence populations select events by action.
    static func registerEvidenceMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5-evidence") { db in
            try db.execute(sql: """
                CREATE TABLE incident (
                    id INTEGER PRIMARY KEY,
                    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
                    detectedDay TEXT NOT NULL CHECK (detectedDay GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
                    tenants TEXT NOT NULL CHECK (tenants NOT GLOB '*[^a-z0-9,-]*'),
                    significantHarm INTEGER CHECK (significantHarm IS NULL OR significantHarm IN (0, 1)),
                    notifiedDay TEXT CHECK (notifiedDay IS NULL OR notifiedDay GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
                    recordedAt INTEGER NOT NULL,
                    recordedBy TEXT NOT NULL
                );
                CREATE TRIGGER incident_keep BEFORE DELETE ON incident
                    BEGIN SELECT RAISE(ABORT, 'the breach register is kept: incidents are never deleted'); END;
                CREATE TRIGGER incident_amend BEFORE UPDATE ON incident
                    WHEN NEW.id IS NOT OLD.id OR NEW.title IS NOT OLD.title OR NEW.detectedDay IS NOT OLD.detectedDay
                        OR NEW.tenants IS NOT OLD.tenants OR NEW.recordedAt IS NOT OLD.recordedAt
                        OR NEW.recordedBy IS NOT OLD.recordedBy
                        OR (OLD.notifiedDay IS NOT NULL AND NEW.notifiedDay IS NOT OLD.notifiedDay)
                        OR (OLD.significantHarm IS NOT NULL AND NEW.significantHarm IS NOT OLD.significantHarm)
                    BEGIN SELECT RAISE(ABORT, 'an incident record only gains its harm assessment and notification date'); END;
                CREATE INDEX auditEvent_action_time ON auditEvent(action, time);
                """)
        }
    }
}
