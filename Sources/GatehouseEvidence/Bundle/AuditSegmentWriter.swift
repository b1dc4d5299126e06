import Foundation
import GatehouseCore

/// Writes the period's audit events as JSON Lines (audit/events.jsonl), one event per line, streamed.
/// Events outside the bundle's scope keep only their sequence and links, so the chain still checks.
struct AuditSegmentWriter {
    let writer: HashingFileWriter
    private(set) var first: Int64?
    private(set) var last: Int64?
    private(set) var included = 0
    private(set) var withheld = 0

    init(writer: HashingFileWriter) { self.writer = writer }

    mutating func write(_ entry: AuditSegmentEntry) throws(GatehouseError) {
        if first == nil { first = entry.sequence }
        last = entry.sequence
        var line = "{\"seq\":\(entry.sequence)"
        if let event = entry.event {
            included += 1
            line += ",\"time\":\"\(UTCTimestamp.format(milliseconds: event.timeMilliseconds))\",\"time_ms\":\(event.timeMilliseconds)"
            line += ",\"actor\":\(JSONText.quote(event.actor)),\"tenant\":\(JSONText.quote(event.tenant))"
            line += ",\"source_ip\":\(JSONText.quote(event.sourceIP)),\"action\":\(JSONText.quote(event.action))"
            line += ",\"target\":\(JSONText.quote(event.target)),\"outcome\":\(JSONText.quote(event.outcome))"
            // The stored details are already a JSON object of strings with sorted keys.
            line += ",\"details\":" + event.detailsJSON
            if let salt = event.salt { line += ",\"salt\":\"\(salt.hexString)\"" }
        } else {
            withheld += 1
            line += ",\"withheld\":true"
            if let leaf = entry.leaf { line += ",\"leaf\":\"\(leaf.hexString)\"" }
        }
        line += ",\"previous_hash\":\"\(entry.previousHash.hexString)\",\"hash\":\"\(entry.hash.hexString)\"}\n"
        try writer.write(line)
    }
}

/// audit/checkpoints.json and audit/segment.json.
struct AuditCheckpointFile: Codable, Equatable {
    var sequence: Int64
    var hash: String
    var time: String
    var timeMs: Int64
    var publicKey: String
    var signature: String

    enum CodingKeys: String, CodingKey {
        case sequence, hash, time, signature
        case timeMs = "time_ms"
        case publicKey = "public_key"
    }

    init(_ checkpoint: SignedAuditCheckpoint) {
        sequence = checkpoint.sequence
        hash = checkpoint.hash.hexString
        time = UTCTimestamp.format(milliseconds: checkpoint.timeMilliseconds)
        timeMs = checkpoint.timeMilliseconds
        publicKey = Data(checkpoint.publicKey).base64EncodedString()
        signature = Data(checkpoint.signature).base64EncodedString()
    }
}

struct AuditSegmentSummary: Codable {
    var scope: String
    var period: BundleManifest.Period
    var firstSequence: Int64?
    var lastSequence: Int64?
    var eventsIncluded: Int
    var eventsWithheld: Int
    var checkpoints: Int
    var note = "Events of the period in full; other events (other tenants, or outside the period up to the first signed checkpoint after it) are withheld and give only their leaf. Each hash is SHA-256(previous_hash || 0x02 || leaf) with leaf = SHA-256(salt || canonical bytes) (format 2), or SHA-256(previous_hash || canonical bytes) for events without a salt (format 1); the last event matches a checkpoint signed with the bundle's key."

    enum CodingKeys: String, CodingKey {
        case scope, period, checkpoints, note
        case firstSequence = "first_sequence"
        case lastSequence = "last_sequence"
        case eventsIncluded = "events_included"
        case eventsWithheld = "events_withheld"
    }
}
