import Crypto
import Foundation
import GRDB
import GatehouseCore

extension AuditLog {
    /// Walks the whole chain, the signed head and every checkpoint; reports the first problem.
    ///
    /// Finds an edited event (its hash no longer matches), a deleted one (a gap in the sequence or a
    /// broken previous-hash link), a deleted or added tail (the signed head names another event),
    /// and a chain rewritten end to end (the signed head and checkpoints no longer match).
    public func verify() throws(GatehouseError) -> AuditVerification {
        try database.read { db in
            let publicKey = try signingKey(in: db).publicKey
            let checkpoints = try AuditCheckpointRecord.order(Column("id")).fetchAll(db)
            let checkpointsBySequence = Dictionary(grouping: checkpoints, by: \.sequence)
            let head = try AuditHeadRecord.fetchOne(db)

            var previousHash = Self.genesisHash
            var expected: Int64 = 1
            var count = 0
            func result(_ problem: String?) -> AuditVerification {
                AuditVerification(eventCount: count, checkpointCount: checkpoints.count, lastSequence: expected - 1, problem: problem)
            }

            for checkpoint in checkpoints {
                let signed = AuditCheckpoint.signedBytes(sequence: checkpoint.sequence, hash: [UInt8](checkpoint.hash), time: checkpoint.time)
                guard checkpoint.publicKey == publicKey.rawRepresentation else {
                    return result("checkpoint at event \(checkpoint.sequence) is signed by an unknown key")
                }
                guard publicKey.isValidSignature(checkpoint.signature, for: signed) else {
                    return result("checkpoint at event \(checkpoint.sequence) has an invalid signature")
                }
            }
            guard let head else {
                return result("the signed chain head is missing: the log was emptied or replaced behind the store's back")
            }
            guard publicKey.isValidSignature(head.signature, for: AuditHeadRecord.signedBytes(sequence: head.sequence, hash: [UInt8](head.hash)))
            else {
                return result("the chain head (event \(head.sequence)) has an invalid signature")
            }

            let cursor = try AuditEventRecord.order(Column("sequence")).fetchCursor(db)
            while let record = try cursor.next() {
                if record.sequence != expected {
                    let missing = expected == record.sequence - 1
                        ? "event \(expected) is missing" : "events \(expected) to \(record.sequence - 1) are missing"
                    return result("\(missing) (the log jumps from \(expected - 1) to \(record.sequence))")
                }
                guard [UInt8](record.previousHash) == previousHash else {
                    return result("event \(record.sequence) does not link to event \(record.sequence - 1) (previous-hash mismatch)")
                }
                let stored = try Self.stored(record)
                guard record.salt.map({ $0.count == 16 }) ?? true else {
                    return result("event \(record.sequence) was modified (its salt is not 16 bytes)")
                }
                let recomputed = Self.chainHash(
                    previous: previousHash, event: stored.event, sequence: record.sequence, salt: record.salt.map { [UInt8]($0) })
                let storedDetails = try Self.detailsJSON(stored.event.details)
                guard recomputed == [UInt8](record.hash), record.details == storedDetails,
                      record.outcome == stored.event.outcome.rawValue
                else {
                    return result("event \(record.sequence) was modified (its content no longer matches its hash)")
                }
                if record.sequence == 1 && record.action != AuditAction.storeInitialized {
                    return result("event 1 is not the store's initialisation: the start of the log was replaced")
                }
                for checkpoint in checkpointsBySequence[record.sequence] ?? [] where [UInt8](checkpoint.hash) != recomputed {
                    return result(
                        "event \(record.sequence) does not match the signed checkpoint of \(Date(milliseconds: checkpoint.time).iso8601); the chain was rewritten")
                }
                previousHash = recomputed
                expected += 1
                count += 1
            }
            let last = expected - 1
            if let beyond = checkpoints.map(\.sequence).max(), beyond > last {
                return result(
                    "events \(last + 1) to \(beyond) are missing: a signed checkpoint covers event \(beyond) but the log ends at \(last)")
            }
            if head.sequence > last {
                let missing = head.sequence == last + 1 ? "event \(head.sequence) is missing" : "events \(last + 1) to \(head.sequence) are missing"
                return result("\(missing): the signed chain head names event \(head.sequence) but the log ends at \(last)")
            }
            if head.sequence < last {
                return result("events \(head.sequence + 1) to \(last) were added behind the store's back (the signed head is event \(head.sequence))")
            }
            guard [UInt8](head.hash) == previousHash else {
                return result("event \(last) does not match the signed chain head; the chain was rewritten")
            }
            return result(nil)
        }
    }
}
