import Foundation
import GatehouseCore

/// Where backups live: `backups/<tenant>/<file>.sqlite.gz` with `<file>.sqlite.gz.sha256` beside it.
/// Files are written under a `.partial-` name and renamed when complete, so a crash never leaves a
/// file that looks finished.
public struct BackupFiles: Sendable {
    public let root: URL
    static let partialPrefix = ".partial-"

    public init(root: URL) {
        self.root = root
    }

    public func directory(for tenant: TenantPrefix) -> URL {
        root.appendingPathComponent(tenant.value, isDirectory: true)
    }

    public func file(_ backup: Backup) -> URL {
        directory(for: backup.tenant).appendingPathComponent(backup.fileName)
    }

    public func checksumFile(_ backup: Backup) -> URL {
        directory(for: backup.tenant).appendingPathComponent(backup.fileName + ".sha256")
    }

    /// Makes the tenant's directory (0700 like the data directory).
    func prepare(_ tenant: TenantPrefix) throws(GatehouseError) -> URL {
        let directory = directory(for: tenant)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .environment("cannot create \(directory.path): \(error.localizedDescription)")
        }
        return directory
    }

    /// Removes what an interrupted run left: partial files, and finished files the catalogue does
    /// not know (a crash between rename and catalogue insert). Returns the names removed.
    func removeLeftovers(_ tenant: TenantPrefix, keeping catalogued: Set<String>) -> [String] {
        let directory = directory(for: tenant)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [String] = []
        for name in names {
            let base = name.hasSuffix(".sha256") ? String(name.dropLast(".sha256".count)) : name
            guard name.hasPrefix(Self.partialPrefix) || (base.hasSuffix(".sqlite.gz") && !catalogued.contains(base)) else { continue }
            if (try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))) != nil { removed.append(name) }
        }
        return removed
    }

    /// Opens `source` for reading and a new 0600 `destination` for writing, for one streaming pass.
    static func transform<T>(_ source: URL, into destination: URL, _ body: (FileHandle, FileHandle) throws -> T) throws -> T {
        FileManager.default.createFile(atPath: destination.path, contents: nil, attributes: [.posixPermissions: 0o600])
        let input = try FileHandle(forReadingFrom: source)
        let output = try FileHandle(forWritingTo: destination)
        defer {
            try? input.close()
            try? output.close()
        }
        return try body(input, output)
    }
}
