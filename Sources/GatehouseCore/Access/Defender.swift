import Foundation

/// Thresholds for the brute-force defender, in the spirit of SFTPGo's defender and fail2ban.
public struct DefenderConfiguration: Hashable, Sendable {
    /// Scores older than this no longer count.
    public var window: TimeInterval = 30 * 60
    /// A host whose score within the window reaches this is banned.
    public var threshold: Int = 15
    public var banDuration: TimeInterval = 30 * 60
    /// Each attempt while banned adds this fraction of `banDuration` to the ban.
    public var banIncrement: Double = 0.5
    /// No ban lasts longer than this from now, however persistent the host.
    public var maximumBan: TimeInterval = 24 * 3600
    public var unknownUserScore: Int = 2
    public var wrongCredentialScore: Int = 1
    public var deniedByAllowlistScore: Int = 1
    /// Hosts tracked at once; beyond it the least recently seen are forgotten.
    public var maximumTrackedHosts: Int = 50_000

    public init() {}

    public func validate() throws(GatehouseError) {
        guard window > 0, banDuration > 0, maximumBan >= banDuration else {
            throw .invalidInput("defender: window and ban duration must be positive, maximum ban at least the ban")
        }
        guard threshold > 0, unknownUserScore >= 0, wrongCredentialScore >= 0, deniedByAllowlistScore >= 0 else {
            throw .invalidInput("defender: threshold must be positive and scores not negative")
        }
        guard banIncrement >= 0, maximumTrackedHosts > 0 else {
            throw .invalidInput("defender: ban increment must not be negative and at least one host tracked")
        }
    }
}

/// What counted against a host.
public enum DefenderEvent: String, Sendable {
    case unknownUser = "unknown-user"
    case wrongCredential = "wrong-credential"
    case deniedByAllowlist = "denied-by-allowlist"
}

/// Per-source-IP scoring and bans, shared by HTTPS and SFTP. Pure: the caller supplies the time
/// and keeps the value behind whatever lock its concurrency model needs.
public struct Defender: Sendable {
    public enum Status: Equatable, Sendable {
        case allowed
        case banned(until: Date)
    }

    private struct Host {
        var scores: [(at: Date, score: Int)] = []
        var bannedUntil: Date?
        var lastSeen: Date
    }

    public let configuration: DefenderConfiguration
    private var hosts: [IPAddress: Host] = [:]

    /// The unit scored and banned: one IPv4 address, or one IPv6 /64 (what a single client
    /// usually holds, so rotating through it gains an attacker nothing).
    public static func hostKey(for address: IPAddress) -> IPAddress {
        guard address.family == .v6 else { return address }
        return IPAddress(v6: Array(address.bytes.prefix(8)) + Array(repeating: 0, count: 8))
    }

    public init(configuration: DefenderConfiguration = .init()) {
        self.configuration = configuration
    }

    public var trackedHostCount: Int { hosts.count }

    /// Checks a new attempt from `address`. An attempt while banned lengthens the ban.
    public mutating func admit(_ address: IPAddress, at now: Date) -> Status {
        let address = Self.hostKey(for: address)
        guard var host = hosts[address], let until = host.bannedUntil, until > now else { return .allowed }
        let extended = until.addingTimeInterval(configuration.banDuration * configuration.banIncrement)
        host.bannedUntil = min(extended, now.addingTimeInterval(configuration.maximumBan))
        host.lastSeen = now
        hosts[address] = host
        return .banned(until: host.bannedUntil!)
    }

    /// The current ban, without counting an attempt.
    public func status(of address: IPAddress, at now: Date) -> Status {
        if let until = hosts[Self.hostKey(for: address)]?.bannedUntil, until > now { return .banned(until: until) }
        return .allowed
    }

    /// Records a failure; returns the ban if this failure reached the threshold.
    @discardableResult
    public mutating func record(_ event: DefenderEvent, from address: IPAddress, at now: Date) -> Status {
        let address = Self.hostKey(for: address)
        let score = switch event {
        case .unknownUser: configuration.unknownUserScore
        case .wrongCredential: configuration.wrongCredentialScore
        case .deniedByAllowlist: configuration.deniedByAllowlistScore
        }
        var host = hosts[address] ?? Host(lastSeen: now)
        if let until = host.bannedUntil, until > now {
            hosts[address] = host
            return admit(address, at: now)
        }
        host.bannedUntil = nil
        host.lastSeen = now
        let horizon = now.addingTimeInterval(-configuration.window)
        host.scores.removeAll { $0.at <= horizon }
        if score > 0 { host.scores.append((now, score)) }
        var status = Status.allowed
        if host.scores.reduce(0, { $0 + $1.score }) >= configuration.threshold {
            host.bannedUntil = now.addingTimeInterval(configuration.banDuration)
            host.scores.removeAll()
            status = .banned(until: host.bannedUntil!)
        }
        hosts[address] = host
        evictIfNeeded(at: now)
        return status
    }

    /// Lifts a ban by hand (an operator's decision).
    public mutating func unban(_ address: IPAddress) {
        hosts[Self.hostKey(for: address)] = nil
    }

    /// Over the cap, drops hosts with nothing left to count, then the least recently seen, down to
    /// 90% of the cap so the sweep runs once per many failures rather than on each. Bans are kept
    /// while any host without one can go.
    private mutating func evictIfNeeded(at now: Date) {
        guard hosts.count > configuration.maximumTrackedHosts else { return }
        let horizon = now.addingTimeInterval(-configuration.window)
        hosts = hosts.filter { _, host in
            (host.bannedUntil.map { $0 > now } ?? false) || host.scores.contains { $0.at > horizon }
        }
        let target = configuration.maximumTrackedHosts * 9 / 10
        guard hosts.count > target else { return }
        let ordered = hosts.sorted { lhs, rhs in
            let lhsBanned = lhs.value.bannedUntil.map { $0 > now } ?? false
            let rhsBanned = rhs.value.bannedUntil.map { $0 > now } ?? false
            if lhsBanned != rhsBanned { return lhsBanned }
            return lhs.value.lastSeen > rhs.value.lastSeen
        }
        hosts = Dictionary(uniqueKeysWithValues: ordered.prefix(target).map { ($0.key, $0.value) })
    }
}
