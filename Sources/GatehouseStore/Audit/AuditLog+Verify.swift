import Crypto
import Foundation
import GRDB
import GatehouseCore

extension AuditLog {
    /// Walks the whole chain and every checkpoint; reports the first problem by event number.
    ///
    /// Finds an edited event (its hash no longer matches), a deleted one (a gap in the sequence or a
    /// broken previous-hash link), a truncated tail (a checkpoint names an event that is gone) and
    /// a rewritten chain (a checkpoint's signed hash no longer matches).
    public func verify() throws(GatehouseError) -> AuditVerification {
        let publicKey = try signingKey().publicKey
        return try database.read { db in
            var checkpoints: [Int64: [AuditCheckpointRecord]] = [:]
            let allCheckpoints = try AuditCheckpointRecord.order(Column("id")).fetchAll(db)
            for checkpoint in allCheckpoints { checkpoints[checkpoint.sequence, default: []].append(checkpoint) }

            var previousHash = Self.genesisHash
            var expected: Int64 = 1
            var count = 0
            func result(_ problem: String?) -> AuditVerification {
                AuditVerification(
                    eventCount: count, checkpointCount: allCheckpoints.count, lastSequence: expected - 1, problem: problem)
            }

            for checkpoint in allCheckpoints {
                let signed = AuditCheckpoint.signedBytes(
                    sequence: checkpoint.sequence, hash: [UInt8](checkpoint.hash), time: checkpoint.time)
                guard checkpoint.publicKey == publicKey.rawRepresentation else {
                    return result("checkpoint at event \(checkpoint.sequence) is signed by an unknown key")
                }
                guard publicKey.isValidSignature(checkpoint.signature, for: signed) else {
                    return result("checkpoint at event \(checkpoint.sequence) has an invalid signature")
                }
            }

            let cursor = try AuditEventRecord.order(Column("sequence")).fetchCursor(db)
            while let record = try cursor.next() {
                if record.sequence != expected {
                    let missing = expected == record.sequence - 1 ? "event \(expected) is missing"
                        : "events \(expected) to \(record.sequence - 1) are missing"
                    return result("\(missing) (the log jumps from \(expected - 1) to \(record.sequence))")
                }
                guard [UInt8](record.previousHash) == previousHash else {
                    return result("event \(record.sequence) does not link to event \(record.sequence - 1) (previous-hash mismatch)")
                }
                let stored = try Self.stored(record)
                let recomputed = Self.chainHash(previous: previousHash, event: stored.event, sequence: record.sequence)
                guard recomputed == [UInt8](record.hash),
                      record.details == String(decoding: try JSONEncoder.sortedKeys.encode(stored.event.details), as: UTF8.self)
                else {
                    return result("event \(record.sequence) was modified (its content no longer matches its hash)")
                }
                for checkpoint in checkpoints[record.sequence] ?? [] where [UInt8](checkpoint.hash) != recomputed {
                    return result(
                        "event \(record.sequence) does not match the signed checkpoint of \(Date(milliseconds: checkpoint.time).iso8601); the chain was rewritten")
                }
                previousHash = recomputed
                expected += 1
                count += 1
            }
            if let beyond = allCheckpoints.map(\.sequence).max(), beyond >= expected {
                return result(
                    "events \(expected) to \(beyond) are missing: a signed checkpoint covers event \(beyond) but the log ends at \(expected - 1)")
            }
            return result(nil)
        }
    }
}
