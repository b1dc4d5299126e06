import Crypto
import Foundation
import GatehouseCore

/// Re-walks an exported audit segment: consecutive sequences, each previous_hash the hash before it,
/// each full event's hash recomputed from its content, every checkpoint signed by the bundle's key
/// and matching its event, and the last event covered by a checkpoint.
enum AuditSegmentVerifier {
    struct Line: Decodable {
        var seq: Int64
        var withheld: Bool?
        var timeMs: Int64?
        var actor: String?
        var tenant: String?
        var sourceIP: String?
        var action: String?
        var target: String?
        var outcome: String?
        var details: [String: String]?
        var salt: String?
        var leaf: String?
        var previousHash: String
        var hash: String

        enum CodingKeys: String, CodingKey {
            case seq, withheld, actor, tenant, action, target, outcome, details, hash, salt, leaf
            case timeMs = "time_ms"
            case sourceIP = "source_ip"
            case previousHash = "previous_hash"
        }
    }

    typealias Problem = BundleVerifier.BundleProblem

    static func verify(
        events: (_ consume: (Data) throws -> Void) throws -> Void, checkpoints checkpointBytes: [UInt8], key: Curve25519.Signing.PublicKey
    ) throws -> (events: Int, checkpoints: Int) {
        let checkpoints: [AuditCheckpointFile]
        do { checkpoints = try JSONDecoder().decode([AuditCheckpointFile].self, from: Data(checkpointBytes)) } catch {
            throw Problem(message: "\(BundleLayout.auditCheckpoints) is not valid: \(error.localizedDescription)")
        }
        var signedHashes: [Int64: String] = [:]
        for checkpoint in checkpoints {
            guard let signature = Data(base64Encoded: checkpoint.signature), let publicKey = Data(base64Encoded: checkpoint.publicKey) else {
                throw Problem(message: "the checkpoint at event \(checkpoint.sequence) is malformed")
            }
            guard publicKey == key.rawRepresentation else {
                throw Problem(message: "the checkpoint at event \(checkpoint.sequence) is signed by a key other than the bundle's")
            }
            let hash = hexBytes(checkpoint.hash) ?? []
            let signed = SignedAuditCheckpoint.signedBytes(sequence: checkpoint.sequence, hash: hash, timeMilliseconds: checkpoint.timeMs)
            guard hash.count == 32, key.isValidSignature(signature, for: signed) else {
                throw Problem(message: "the checkpoint at event \(checkpoint.sequence) has an invalid signature")
            }
            signedHashes[checkpoint.sequence] = checkpoint.hash
        }

        var pending = Data()
        var count = 0
        var previous: (seq: Int64, hash: String)?
        let decoder = JSONDecoder()
        func check(_ lineData: Data) throws {
            guard !lineData.isEmpty else { return }
            let line: Line
            do { line = try decoder.decode(Line.self, from: lineData) } catch {
                throw Problem(message: "\(BundleLayout.auditEvents) line \(count + 1) is not a valid event")
            }
            if let previous {
                let (next, overflow) = previous.seq.addingReportingOverflow(1)
                guard !overflow, line.seq == next else {
                    throw Problem(message: "the audit segment jumps from event \(previous.seq) to \(line.seq): events were removed")
                }
                guard line.previousHash == previous.hash else {
                    throw Problem(message: "audit event \(line.seq) does not link to event \(previous.seq): the chain is broken")
                }
            }
            guard let previousHash = hexBytes(line.previousHash), previousHash.count == 32 else {
                throw Problem(message: "audit event \(line.seq) has a malformed previous_hash")
            }
            let recomputed: String
            if line.withheld == true {
                guard let leafText = line.leaf, let leaf = hexBytes(leafText), leaf.count == 32 else {
                    throw Problem(
                        message: "audit event \(line.seq) is withheld without a leaf (recorded before per-event salts), so the chain cannot be checked through it; ask the operator for a bundle of all tenants")
                }
                recomputed = link(previous: previousHash, leaf: leaf).hexString
            } else {
                guard let time = line.timeMs, let actor = line.actor, let action = line.action, let outcomeText = line.outcome,
                      let outcome = AuditOutcome(rawValue: outcomeText)
                else { throw Problem(message: "audit event \(line.seq) lacks fields needed to check its hash") }
                let event = AuditEvent(
                    time: Date(timeIntervalSince1970: Double(time) / 1000), actor: actor, tenant: line.tenant, sourceIP: line.sourceIP,
                    action: action, target: line.target, outcome: outcome, details: line.details ?? [:])
                let canonical = event.canonicalBytes(sequence: line.seq)
                if let saltText = line.salt {
                    guard let salt = hexBytes(saltText), salt.count == 16 else { throw Problem(message: "audit event \(line.seq) has a malformed salt") }
                    var leaf = SHA256()
                    leaf.update(data: salt)
                    leaf.update(data: canonical)
                    recomputed = link(previous: previousHash, leaf: Array(leaf.finalize())).hexString
                } else {
                    var hasher = SHA256()
                    hasher.update(data: previousHash)
                    hasher.update(data: canonical)
                    recomputed = hasher.finalize().hexString
                }
            }
            guard recomputed == line.hash else {
                throw Problem(message: "audit event \(line.seq) was changed: its content no longer matches its hash")
            }
            if let signed = signedHashes[line.seq], signed != line.hash {
                throw Problem(message: "audit event \(line.seq) does not match its signed checkpoint: the chain was rewritten")
            }
            previous = (line.seq, line.hash)
            count += 1
        }
        try events { chunk in
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                try check(pending[pending.startIndex..<newline])
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
        try check(pending)
        if let previous {
            guard signedHashes[previous.seq] != nil else {
                throw Problem(message: "the audit segment ends at event \(previous.seq), which no signed checkpoint covers: events were removed from its end")
            }
        } else if !checkpoints.isEmpty {
            throw Problem(message: "\(BundleLayout.auditEvents) is empty but checkpoints are listed: the events were removed")
        }
        return (count, checkpoints.count)
    }

    /// SHA-256(previous ‖ 0x02 ‖ leaf), as the store links format-2 events (GatehouseStore AuditLog.link).
    static func link(previous: [UInt8], leaf: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: [0x02])
        hasher.update(data: leaf)
        return Array(hasher.finalize())
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        guard text.utf8.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        var iterator = text.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = nibble(high), let l = nibble(low) else { return nil }
            bytes.append(h << 4 | l)
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x57
        case 0x41...0x46: c - 0x37
        default: nil
        }
    }
}
