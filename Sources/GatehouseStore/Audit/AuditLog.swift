import Crypto
import Foundation
import GRDB
import GatehouseCore

/// An audit event as stored, with its place in the chain.
public struct StoredAuditEvent: Sendable {
    public let sequence: Int64
    public let event: AuditEvent
    public let hash: [UInt8]
}

/// A signed statement that the chain up to `sequence` ended in `hash` at `time`.
public struct AuditCheckpoint: Sendable {
    public let sequence: Int64
    public let hash: [UInt8]
    public let time: Date
    public let publicKey: [UInt8]
    public let signature: [UInt8]

    /// The bytes the signature covers.
    static func signedBytes(sequence: Int64, hash: [UInt8], time: Int64) -> Data {
        Data(SignedAuditCheckpoint.signedBytes(sequence: sequence, hash: hash, timeMilliseconds: time))
    }
}

/// The result of checking the whole chain and every checkpoint.
public struct AuditVerification: Sendable {
    public let eventCount: Int
    public let checkpointCount: Int
    public let lastSequence: Int64
    /// The first problem found, naming the event; nil when the log is intact.
    public let problem: String?

    public var isIntact: Bool { problem == nil }
}

/// The tamper-evident audit log: a SHA-256 hash chain over every event, with Ed25519-signed checkpoints.
///
/// Each event's hash is SHA-256(previous hash ‖ canonical bytes), where the canonical bytes include
/// its sequence number. Appends happen inside the writer's transaction, so the chain has one order.
public struct AuditLog: Sendable, AuditSink {
    let database: AppDatabase
    static let genesisHash = [UInt8](repeating: 0, count: 32)
    static let signingKeyName = "audit-signing-key"

    /// Appends one event in its own transaction.
    public func record(_ event: AuditEvent) throws(GatehouseError) {
        try database.write { db in try append(event, in: db) }
    }

    public func record(_ event: AuditEvent) async throws {
        try await database.writer.write { db in try append(event, in: db) }
    }

    /// Appends the events in one transaction, signing the chain's head once, after the last. The
    /// chain is followed in memory, and rows go through one prepared statement.
    public func record(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        try await database.writer.write { db in
            var link = try lastLink(in: db)
            for (index, event) in events.enumerated() {
                link = try append(event, in: db, after: link, signHead: index == events.count - 1)
            }
        }
    }

    /// Appends inside the caller's transaction, so a change and its audit event commit together,
    /// and re-signs the chain's head.
    func append(_ event: AuditEvent, in db: Database) throws {
        _ = try append(event, in: db, after: try lastLink(in: db), signHead: true)
    }

    /// The newest event's sequence and hash (0 and the genesis hash for an empty log).
    private func lastLink(in db: Database) throws -> (sequence: Int64, hash: [UInt8]) {
        let last = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM auditEvent ORDER BY sequence DESC LIMIT 1")
        return (last?["sequence"] ?? 0, (last?["hash"] as Data?).map { [UInt8]($0) } ?? Self.genesisHash)
    }

    private func append(
        _ event: AuditEvent, in db: Database, after previous: (sequence: Int64, hash: [UInt8]), signHead: Bool
    ) throws -> (sequence: Int64, hash: [UInt8]) {
        var event = event
        if event.sourceIP == nil { event.sourceIP = AuditContext.sourceIP }
        let sequence = previous.sequence + 1
        let salt = database.nextAuditSalt()
        let hash = Self.chainHash(previous: previous.hash, event: event, sequence: sequence, salt: [UInt8](salt))
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO auditEvent (sequence, time, actor, tenant, sourceIP, action, target, outcome, details, previousHash, hash, salt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        try insert.execute(arguments: [
            sequence, event.timeMilliseconds, event.actor, event.tenant, event.sourceIP, event.action, event.target,
            event.outcome.rawValue, try Self.detailsJSON(event.details), Data(previous.hash), Data(hash), salt,
        ])
        if signHead {
            let signature = try signingKey(in: db).signature(for: AuditHeadRecord.signedBytes(sequence: sequence, hash: hash))
            try AuditHeadRecord(sequence: sequence, hash: Data(hash), signature: signature).save(db)
        }
        return (sequence, hash)
    }

    /// Format 2 (with a salt): SHA-256(previous ‖ 0x02 ‖ leaf), leaf = SHA-256(salt ‖ canonical bytes).
    /// Format 1 (no salt, events recorded before v6-audit-salt): SHA-256(previous ‖ canonical bytes).
    static func chainHash(previous: [UInt8], event: AuditEvent, sequence: Int64, salt: [UInt8]?) -> [UInt8] {
        guard let salt else {
            var hasher = SHA256()
            hasher.update(data: previous)
            hasher.update(data: event.canonicalBytes(sequence: sequence))
            return Array(hasher.finalize())
        }
        return link(previous: previous, leaf: leaf(salt: salt, canonical: event.canonicalBytes(sequence: sequence)))
    }

    static func leaf(salt: [UInt8], canonical: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: canonical)
        return Array(hasher.finalize())
    }

    static func link(previous: [UInt8], leaf: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: [0x02])
        hasher.update(data: leaf)
        return Array(hasher.finalize())
    }

    // MARK: Reading

    /// Which events to list: all, one tenant's, or the platform's own (no tenant).
    public enum Scope: Sendable {
        case all
        case tenant(String)
        case platform
    }

    /// Events, oldest first, optionally for one scope, from a time on, the latest `limit`.
    public func events(_ scope: Scope = .all, since: Date? = nil, limit: Int? = nil) throws(GatehouseError) -> [StoredAuditEvent] {
        try database.read { db in
            var request = AuditEventRecord.order(Column("sequence").desc)
            switch scope {
            case .all: break
            case .tenant(let prefix): request = request.filter(Column("tenant") == prefix)
            case .platform: request = request.filter(Column("tenant") == nil)
            }
            if let since { request = request.filter(Column("time") >= since.milliseconds) }
            if let limit { request = request.limit(limit) }
            return try request.fetchAll(db).reversed().map(Self.stored)
        }
    }

    static func stored(_ record: AuditEventRecord) throws -> StoredAuditEvent {
        let details = AuditDetailsParser.parse(record.details)
            ?? (try? JSONDecoder().decode([String: String].self, from: Data(record.details.utf8))) ?? [:]
        let event = AuditEvent(
            time: Date(milliseconds: record.time), actor: record.actor, tenant: record.tenant, sourceIP: record.sourceIP,
            action: record.action, target: record.target, outcome: AuditOutcome(rawValue: record.outcome) ?? .failure,
            details: details)
        return StoredAuditEvent(sequence: record.sequence, event: event, hash: [UInt8](record.hash))
    }

    // MARK: Checkpoints

    /// Signs the current head of the chain. With `onlyIfNew`, does nothing when no event was
    /// added since the last checkpoint (the hourly timer uses this).
    @discardableResult
    public func checkpoint(by actor: AuditActor, onlyIfNew: Bool = false) throws(GatehouseError) -> AuditCheckpoint? {
        let now = database.clock.now()
        return try database.write { db in
            let signingKey = try signingKey(in: db)
            let lastCheckpointed = try Int64.fetchOne(db, sql: "SELECT max(sequence) FROM auditCheckpoint")
            let lastEvent = try Int64.fetchOne(db, sql: "SELECT max(sequence) FROM auditEvent")
            if onlyIfNew, lastCheckpointed != nil, lastCheckpointed == lastEvent { return nil }
            try append(AuditEvent(time: now, actor: actor, action: AuditAction.auditCheckpoint, details: [:]), in: db)
            let head = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM auditEvent ORDER BY sequence DESC LIMIT 1")!
            let sequence: Int64 = head["sequence"]
            let hash = [UInt8](head["hash"] as Data)
            let signed = AuditCheckpoint.signedBytes(sequence: sequence, hash: hash, time: now.milliseconds)
            let signature = try signingKey.signature(for: signed)
            let publicKey = signingKey.publicKey.rawRepresentation
            var record = AuditCheckpointRecord(
                id: nil, sequence: sequence, hash: Data(hash), time: now.milliseconds, publicKey: publicKey,
                signature: signature)
            try record.insert(db)
            return AuditCheckpoint(
                sequence: sequence, hash: hash, time: now, publicKey: [UInt8](publicKey), signature: [UInt8](signature))
        }
    }

    /// The signing key's public half, for verifying checkpoints and the head elsewhere.
    public func signingPublicKey() throws(GatehouseError) -> [UInt8] {
        [UInt8](try database.write { db in try signingKey(in: db) }.publicKey.rawRepresentation)
    }

    /// The Ed25519 key that signs the chain's head and checkpoints: sealed with the master key in
    /// the store, made on first use, unsealed once per process.
    func signingKey(in db: Database) throws -> Curve25519.Signing.PrivateKey {
        if let cached = database.auditSigningKey.withLock({ $0 }) { return cached }
        let sealer = database.sealer
        let sealed: Data
        if let existing = try SealedSecretRecord.fetchOne(db, key: Self.signingKeyName) {
            sealed = existing.sealed
        } else {
            let key = Curve25519.Signing.PrivateKey()
            sealed = try sealer.seal(key.rawRepresentation, purpose: Self.signingKeyName)
            try SealedSecretRecord(name: Self.signingKeyName, sealed: sealed, createdAt: database.clock.now().milliseconds)
                .insert(db)
        }
        let key: Curve25519.Signing.PrivateKey
        do {
            key = try Curve25519.Signing.PrivateKey(rawRepresentation: try sealer.open(sealed, purpose: Self.signingKeyName))
        } catch let error as GatehouseError {
            throw error
        } catch {
            throw GatehouseError.environment("the audit signing key in the store is corrupt")
        }
        database.auditSigningKey.withLock { $0 = key }
        return key
    }
}

extension AuditLog {
    /// Details as stored: JSON with sorted keys. Plain printable-ASCII details (nearly all) are
    /// written directly, byte for byte what JSONEncoder writes for them; anything else goes through it.
    static func detailsJSON(_ details: [String: String]) throws -> String {
        let plain = details.allSatisfy { key, value in
            key.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } && value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        }
        guard plain else { return String(decoding: try JSONEncoder.sortedKeys.encode(details), as: UTF8.self) }
        var json = "{"
        for (index, key) in details.keys.sorted().enumerated() {
            if index > 0 { json += "," }
            appendQuoted(key, to: &json)
            json += ":"
            appendQuoted(details[key]!, to: &json)
        }
        return json + "}"
    }

    private static func appendQuoted(_ text: String, to json: inout String) {
        json += "\""
        if text.utf8.contains(where: { $0 == 0x22 || $0 == 0x5C }) {
            for character in text.unicodeScalars {
                if character == "\"" || character == "\\" { json += "\\" }
                json.unicodeScalars.append(character)
            }
        } else {
            json += text
        }
        json += "\""
    }
}

extension JSONEncoder {
    static var sortedKeys: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
