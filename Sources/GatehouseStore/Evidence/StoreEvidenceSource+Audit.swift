import Crypto
import Foundation
import GRDB
import GatehouseCore

extension StoreEvidenceSource {
    /// The period's events run from the first to the last sequence whose time falls in it; the segment
    /// continues to the first checkpoint at or after that last event, so its end is signed. Events of
    /// other tenants, or outside the period, keep only their links.
    public func auditSegment(
        period: EvidencePeriod, tenant: TenantPrefix?, entry: (AuditSegmentEntry) throws -> Void
    ) throws -> [SignedAuditCheckpoint] {
        let start = period.start.milliseconds
        let end = period.end.milliseconds
        let range = try database.read { db in
            try Row.fetchOne(db, sql: "SELECT min(sequence), max(sequence) FROM auditEvent WHERE time >= ? AND time < ?", arguments: [start, end])
        }
        guard let first: Int64 = range?[0], let last: Int64 = range?[1] else { return [] }
        var anchor = try database.read { db in
            try Int64.fetchOne(db, sql: "SELECT min(sequence) FROM auditCheckpoint WHERE sequence >= ?", arguments: [last])
        }
        if anchor == nil {
            anchor = try database.audit.checkpoint(by: .system("evidence"))?.sequence
        }
        guard let anchor else { throw GatehouseError.environment("could not sign a checkpoint over the audit log") }
        return try database.read { db in
            let cursor = try AuditEventRecord
                .filter(Column("sequence") >= first && Column("sequence") <= anchor)
                .order(Column("sequence"))
                .fetchCursor(db)
            while let record = try cursor.next() {
                let inScope = record.time >= start && record.time < end && (tenant == nil || record.tenant == tenant?.value)
                if inScope {
                    try entry(
                        AuditSegmentEntry(
                            sequence: record.sequence, previousHash: [UInt8](record.previousHash), hash: [UInt8](record.hash),
                            event: AuditSegmentEntry.Recorded(
                                timeMilliseconds: record.time, actor: record.actor, tenant: record.tenant, sourceIP: record.sourceIP,
                                action: record.action, target: record.target, outcome: record.outcome, detailsJSON: record.details,
                                salt: record.salt.map { [UInt8]($0) })))
                } else {
                    let leaf = try record.salt.map { salt in
                        AuditLog.leaf(salt: [UInt8](salt), canonical: try AuditLog.stored(record).event.canonicalBytes(sequence: record.sequence))
                    }
                    try entry(
                        AuditSegmentEntry(
                            sequence: record.sequence, previousHash: [UInt8](record.previousHash), hash: [UInt8](record.hash), event: nil,
                            leaf: leaf))
                }
            }
            return try AuditCheckpointRecord
                .filter(Column("sequence") >= first && Column("sequence") <= anchor)
                .order(Column("sequence"), Column("id"))
                .fetchAll(db)
                .map {
                    SignedAuditCheckpoint(
                        sequence: $0.sequence, hash: [UInt8]($0.hash), timeMilliseconds: $0.time, publicKey: [UInt8]($0.publicKey),
                        signature: [UInt8]($0.signature))
                }
        }
    }

    public func signingPublicKey() throws -> [UInt8] {
        try database.audit.signingPublicKey()
    }

    public func sign(_ bytes: [UInt8]) throws -> [UInt8] {
        let key = try database.write { db in try database.audit.signingKey(in: db) }
        return [UInt8](try key.signature(for: bytes))
    }
}
