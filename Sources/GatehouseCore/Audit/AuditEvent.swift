import Foundation

/// Who did something: a signed-in user, the CLI's operating-system user, or the server itself.
public enum AuditActor: Hashable, Sendable, CustomStringConvertible {
    case user(String)
    case cli(String)
    case system(String)
    case anonymous

    public var description: String {
        switch self {
        case .user(let name): "user:\(name)"
        case .cli(let name): "cli:\(name)"
        case .system(let component): "system:\(component)"
        case .anonymous: "anonymous"
        }
    }
}

public enum AuditOutcome: String, Sendable, Codable {
    case success
    case failure
    case denied
}

/// One entry of the tamper-evident audit log.
///
/// Details are short facts (counts, ids, reasons). Values that look like secrets — a key named like
/// a password or token, an API token, a long digit run that could be a card number — are replaced
/// by `[redacted]` on the way in, as a last line of defence.
public struct AuditEvent: Hashable, Sendable {
    public var time: Date
    public var actor: String
    public var tenant: String?
    public var sourceIP: String?
    public var action: String
    public var target: String?
    public var outcome: AuditOutcome
    public var details: [String: String]

    public init(
        time: Date, actor: AuditActor, tenant: String? = nil, sourceIP: String? = nil, action: String,
        target: String? = nil, outcome: AuditOutcome = .success, details: [String: String] = [:]
    ) {
        self.init(
            time: time, actor: actor.description, tenant: tenant, sourceIP: sourceIP, action: action, target: target,
            outcome: outcome, details: details)
    }

    /// The raw form, used when reading events back from the store.
    public init(
        time: Date, actor: String, tenant: String?, sourceIP: String?, action: String, target: String?,
        outcome: AuditOutcome, details: [String: String]
    ) {
        self.time = time
        self.actor = actor
        self.tenant = tenant
        self.sourceIP = sourceIP
        self.action = action
        self.target = target
        self.outcome = outcome
        self.details = details.mapValues { $0 }.reduce(into: [:]) { result, pair in
            result[pair.key] = Self.isSensitive(key: pair.key, value: pair.value) ? "[redacted]" : pair.value
        }
    }

    /// Milliseconds since 1970: the precision stored and hashed.
    public var timeMilliseconds: Int64 { Int64((time.timeIntervalSince1970 * 1000).rounded()) }

    /// The exact bytes the hash chain covers. Names and values are both length-prefixed, so no two
    /// different events share bytes; the format is versioned so it never changes under existing logs.
    public func canonicalBytes(sequence: Int64) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        out.append(contentsOf: Self.canonicalPrefix)
        // Small integers as Strings stay inline (no allocation); bytes are appended, never interpolated.
        func decimal(_ value: Int) { out.append(contentsOf: String(value).utf8) }
        func field(_ name: String, _ value: String?) {
            decimal(name.utf8.count)
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: name.utf8)
            out.append(UInt8(ascii: "="))
            if let value {
                decimal(value.utf8.count)
                out.append(UInt8(ascii: ":"))
                out.append(contentsOf: value.utf8)
            } else {
                out.append(UInt8(ascii: "-"))
            }
            out.append(0x0A)
        }
        field("seq", String(sequence))
        field("time", String(timeMilliseconds))
        field("actor", actor)
        field("tenant", tenant)
        field("source", sourceIP)
        field("action", action)
        field("target", target)
        field("outcome", outcome.rawValue)
        for key in details.keys.sorted() {
            field("detail.\(key)", details[key])
        }
        return out
    }

    private static let canonicalPrefix = Array("gatehouse-audit-v1\n".utf8)

    static let sensitiveKeyWords = ["password", "passwd", "secret", "token", "pan", "card", "cvv", "cvc", "key"]

    static let allowedKeys: Set<String> = ["key_fingerprint", "key_type", "token_id", "tokens", "fields_tokenized", "tokenize"]

    static func isSensitive(key: String, value: String) -> Bool {
        let lowered = key.lowercased()
        if !allowedKeys.contains(lowered), sensitiveKeyWords.contains(where: { lowered.utf8.containsBytes($0.utf8) }) { return true }
        if value.utf8.containsBytes(APITokenFormat.prefix.utf8) { return true }
        var run = 0
        for byte in value.utf8 {
            if byte &- 0x30 <= 9 {
                run += 1
                if run >= 13 { return true }
            } else if byte != 0x20 && byte != 0x2D {
                run = 0
            }
        }
        return false
    }
}
