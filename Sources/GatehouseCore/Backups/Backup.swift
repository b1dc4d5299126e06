import Foundation

/// A daily full copy, or one of the frequent copies made through the day. For SQLite both are whole
/// consistent copies (the online backup API); "frequent" is about when, not how much.
public enum BackupKind: String, Codable, CaseIterable, Sendable {
    case full
    case frequent
}

/// One backup file of one tenant, as catalogued.
public struct Backup: Hashable, Sendable {
    /// Backups are kept, and downloadable, for this long.
    public static let retention: TimeInterval = 7 * 86_400

    public var id: Int64
    public var tenant: TenantPrefix
    public var kind: BackupKind
    /// The file name under `backups/<tenant>/`, e.g. `20261130T000500Z-full.sqlite.gz`.
    public var fileName: String
    public var sizeBytes: Int64
    /// Hex SHA-256 of the compressed file (what `sha256sum -c` checks against the `.sha256` beside it).
    public var sha256: String
    public var createdAt: Date

    public init(id: Int64, tenant: TenantPrefix, kind: BackupKind, fileName: String, sizeBytes: Int64, sha256: String, createdAt: Date) {
        self.id = id
        self.tenant = tenant
        self.kind = kind
        self.fileName = fileName
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.createdAt = createdAt
    }

    public var expiresAt: Date { createdAt.addingTimeInterval(Self.retention) }

    public func isExpired(at now: Date) -> Bool { now >= expiresAt }

    /// `<UTC timestamp>-<kind>.sqlite.gz`.
    public static func fileName(createdAt: Date, kind: BackupKind) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return "\(formatter.string(from: createdAt))-\(kind.rawValue).sqlite.gz"
    }
}

/// When backups run: one full copy a day inside a UTC window, frequent copies in between.
public struct BackupSchedule: Hashable, Sendable {
    /// The full backup's window, as UTC hours [start, end).
    public var fullWindow: Range<Int>
    public var frequentInterval: TimeInterval

    public init(fullWindow: Range<Int> = 0..<6, frequentInterval: TimeInterval = 3_600) {
        self.fullWindow = fullWindow
        self.frequentInterval = frequentInterval
    }

    /// Parses `HH-HH` (e.g. `00-06`).
    public init(window text: String, frequentMinutes: Int) throws(GatehouseError) {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 2, (0...23).contains(parts[0]), (1...24).contains(parts[1]), parts[0] < parts[1] else {
            throw .invalidInput("backup window '\(text)' must be two UTC hours HH-HH with start before end, like 00-06")
        }
        guard (5...1_440).contains(frequentMinutes) else {
            throw .invalidInput("frequent backups every \(frequentMinutes) minutes: choose 5 to 1440")
        }
        self.init(fullWindow: parts[0]..<parts[1], frequentInterval: TimeInterval(frequentMinutes * 60))
    }

    /// What is due now, given the tenant's latest backups; nil when nothing is.
    public func due(lastFull: Date?, lastAny: Date?, now: Date) -> BackupKind? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let hour = calendar.component(.hour, from: now)
        let today = calendar.startOfDay(for: now)
        if fullWindow.contains(hour), lastFull.map({ $0 < today }) ?? true { return .full }
        // Outside the window a tenant that never had a full copy gets one at once.
        if lastFull == nil { return .full }
        if lastAny.map({ now.timeIntervalSince($0) >= frequentInterval }) ?? true { return .frequent }
        return nil
    }
}

/// The backup catalogue, implemented by the store.
public protocol BackupCatalog: Sendable {
    func add(tenant: TenantPrefix, kind: BackupKind, fileName: String, sizeBytes: Int64, sha256: String, createdAt: Date) throws(GatehouseError) -> Backup
    func backups(of tenant: TenantPrefix) throws(GatehouseError) -> [Backup]
    func remove(_ backup: Backup) throws(GatehouseError)
}
