import Foundation

/// How a population was produced: what auditors call information produced by the entity.
public struct PopulationQuery: Sendable, Hashable {
    public let collector: EvidenceCollector
    /// The exact query text run against the store, with its parameters named.
    public let query: String
    public let parameters: [String: String]
    public let columns: [String]

    public init(collector: EvidenceCollector, query: String, parameters: [String: String], columns: [String]) {
        self.collector = collector
        self.query = query
        self.parameters = parameters
        self.columns = columns
    }
}

/// One entry of an exported audit-log segment: the whole event, or for events outside the bundle's
/// scope only the links that keep the chain checkable.
public struct AuditSegmentEntry: Sendable {
    public let sequence: Int64
    public let previousHash: [UInt8]
    public let hash: [UInt8]
    /// nil when the event belongs to another tenant or lies outside the period.
    public let event: Recorded?
    /// For a withheld event of chain format 2: SHA-256(salt ‖ canonical bytes), which binds it into
    /// the chain without revealing it. nil for a format-1 event, which cannot be checked withheld.
    public let leaf: [UInt8]?

    public init(sequence: Int64, previousHash: [UInt8], hash: [UInt8], event: Recorded?, leaf: [UInt8]? = nil) {
        self.sequence = sequence
        self.previousHash = previousHash
        self.hash = hash
        self.event = event
        self.leaf = leaf
    }

    /// An event's fields as stored, details still in their JSON form (exports copy them as they are).
    public struct Recorded: Sendable {
        public let timeMilliseconds: Int64
        public let actor: String
        public let tenant: String?
        public let sourceIP: String?
        public let action: String
        public let target: String?
        public let outcome: String
        /// A JSON object of strings, keys sorted.
        public let detailsJSON: String
        /// The event's salt (chain format 2); nil for format 1.
        public let salt: [UInt8]?

        public init(
            timeMilliseconds: Int64, actor: String, tenant: String?, sourceIP: String?, action: String, target: String?, outcome: String,
            detailsJSON: String, salt: [UInt8]?
        ) {
            self.salt = salt
            self.timeMilliseconds = timeMilliseconds
            self.actor = actor
            self.tenant = tenant
            self.sourceIP = sourceIP
            self.action = action
            self.target = target
            self.outcome = outcome
            self.detailsJSON = detailsJSON
        }
    }
}

/// A signed statement that the audit chain up to `sequence` ended in `hash`.
public struct SignedAuditCheckpoint: Sendable {
    public let sequence: Int64
    public let hash: [UInt8]
    public let timeMilliseconds: Int64
    public let publicKey: [UInt8]
    public let signature: [UInt8]

    public init(sequence: Int64, hash: [UInt8], timeMilliseconds: Int64, publicKey: [UInt8], signature: [UInt8]) {
        self.sequence = sequence
        self.hash = hash
        self.timeMilliseconds = timeMilliseconds
        self.publicKey = publicKey
        self.signature = signature
    }

    /// The bytes a checkpoint's Ed25519 signature covers (format shared by the store and verifiers).
    public static func signedBytes(sequence: Int64, hash: [UInt8], timeMilliseconds: Int64) -> [UInt8] {
        Array("gatehouse-audit-checkpoint-v1\n\(sequence)\n\(hash.hexString)\n\(timeMilliseconds)\n".utf8)
    }
}

/// The store's side of evidence: populations, the audit segment, and the platform's signing key.
/// Rows stream through the callbacks so that an export's memory stays flat in the number of events.
public protocol EvidenceSource: Sendable {
    /// Streams one population for the period (and one tenant, or all when nil): first how it is
    /// produced (`header`), then its rows in a stable order.
    func population(
        _ collector: EvidenceCollector, period: EvidencePeriod, tenant: TenantPrefix?,
        header: (PopulationQuery) throws -> Void, row: ([String]) throws -> Void
    ) throws

    /// Streams the audit events of the period, extended to the first signed checkpoint after its last
    /// event (signing one if none exists yet); returns the checkpoints that fall in that range.
    func auditSegment(
        period: EvidencePeriod, tenant: TenantPrefix?, entry: (AuditSegmentEntry) throws -> Void
    ) throws -> [SignedAuditCheckpoint]

    /// The platform's Ed25519 public key (raw 32 bytes), which signs checkpoints and bundles.
    func signingPublicKey() throws -> [UInt8]
    /// Signs with the platform's key, which never leaves the store.
    func sign(_ bytes: [UInt8]) throws -> [UInt8]
}

extension Sequence<UInt8> {
    /// Lower-case hexadecimal.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
