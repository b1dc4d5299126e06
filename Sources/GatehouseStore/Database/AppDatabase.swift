import Crypto
import Foundation
import GRDB
import GatehouseCore
import Synchronization

/// Owns the one database writer. Every repository goes through it, so migrations, foreign keys,
/// WAL mode and the audit chain's single-writer ordering hold everywhere.
public final class AppDatabase: Sendable {
    let writer: DatabasePool
    public let sealer: SecretSealer
    public let clock: any WallClock
    public let dataDirectory: DataDirectory
    /// The audit signing key, unsealed once per process.
    let auditSigningKey = Mutex<Curve25519.Signing.PrivateKey?>(nil)
    /// Random bytes for audit salts, drawn 4 KiB at a time: one system call per 256 events, not one each.
    private let auditSaltPool = Mutex<[UInt8]>([])

    /// 16 fresh random bytes for the next audit event's salt.
    func nextAuditSalt() -> Data {
        auditSaltPool.withLock { pool in
            if pool.count < 16 {
                pool = SymmetricKey(size: SymmetricKeySize(bitCount: 4096 * 8)).withUnsafeBytes { Array($0) }
            }
            defer { pool.removeLast(16) }
            return Data(pool.suffix(16))
        }
    }

    /// Opens (creating on first use) the store in `dataDirectory`.
    public static func open(
        _ dataDirectory: DataDirectory, clock: any WallClock = SystemWallClock()
    ) throws(GatehouseError) -> AppDatabase {
        try dataDirectory.prepare()
        let path = dataDirectory.databaseURL.path
        let existed = FileManager.default.fileExists(atPath: path)
        if existed && !FileManager.default.fileExists(atPath: dataDirectory.masterKeyURL.path) {
            throw .environment(
                "master key \(dataDirectory.masterKeyURL.path) is missing but the database \(path) exists; "
                    + "restore master.key from your key backup (a new key could not open the sealed secrets)")
        }
        let masterKey = try MasterKey.loadOrCreate(at: dataDirectory.masterKeyURL)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.label = "gatehouse"
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try AppDatabase.migrator.migrate(pool)
        } catch let error as DatabaseError {
            throw .environment("cannot open database \(path): \(error.message ?? error.description)")
        } catch {
            throw .environment("cannot open database \(path): \(error)")
        }
        if !existed { chmod(path, 0o600) }
        let database = AppDatabase(
            writer: pool, sealer: SecretSealer(masterKey: masterKey), clock: clock, dataDirectory: dataDirectory)
        if !existed {
            try database.audit.record(
                AuditEvent(
                    time: clock.now(), actor: .system("store"), action: AuditAction.storeInitialized,
                    target: dataDirectory.url.path))
        }
        return database
    }

    init(writer: DatabasePool, sealer: SecretSealer, clock: any WallClock, dataDirectory: DataDirectory) {
        self.writer = writer
        self.sealer = sealer
        self.clock = clock
        self.dataDirectory = dataDirectory
    }

    public var tenants: TenantRepository { TenantRepository(database: self) }
    public var users: UserRepository { UserRepository(database: self) }
    public var allowlists: AllowlistRepository { AllowlistRepository(database: self) }
    public var audit: AuditLog { AuditLog(database: self) }

    /// Runs `body` in one write transaction, mapping SQLite failures to clear errors.
    func write<T>(_ body: (Database) throws -> T) throws(GatehouseError) -> T {
        try Self.mappingErrors("write") { try writer.write(body) }
    }

    func read<T>(_ body: (Database) throws -> T) throws(GatehouseError) -> T {
        try Self.mappingErrors("read") { try writer.read(body) }
    }

    /// Passes `GatehouseError`s through and names any other failure.
    private static func mappingErrors<T>(_ operation: String, _ body: () throws -> T) throws(GatehouseError) -> T {
        do {
            return try body()
        } catch let error as GatehouseError {
            throw error
        } catch let error as DatabaseError {
            throw .environment("database \(operation) failed: \(error.message ?? error.description)")
        } catch {
            throw .environment("database \(operation) failed: \(error)")
        }
    }

    /// The journal mode actually in force (WAL), for diagnostics and tests.
    public func journalMode() throws(GatehouseError) -> String {
        try read { try String.fetchOne($0, sql: "PRAGMA journal_mode") ?? "" }
    }
}

extension Date {
    var milliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
    init(milliseconds: Int64) { self.init(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
