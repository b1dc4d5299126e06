import Crypto
import Foundation
import GRDB
import GatehouseCompression
import GatehouseCore

/// Checks a backup as a customer restoring it would: the file's SHA-256 against the catalogue and
/// its `.sha256`, then decompressed to a temporary file that SQLite's `integrity_check` must pass.
struct BackupVerifier {
    let files: BackupFiles

    /// Nil when the backup is sound, else what is wrong with it.
    func problem(with backup: Backup) -> String? {
        let file = files.file(backup)
        guard FileManager.default.fileExists(atPath: file.path) else { return "\(backup.fileName) is missing from disk" }
        let restored = files.directory(for: backup.tenant).appendingPathComponent(BackupFiles.partialPrefix + UUID().uuidString + ".verify.sqlite")
        defer { try? FileManager.default.removeItem(at: restored) }
        do {
            let digest = try decompress(file, into: restored)
            guard digest == backup.sha256 else { return "\(backup.fileName): SHA-256 \(digest) does not match the catalogue's \(backup.sha256)" }
            let listed = (try? String(contentsOf: files.checksumFile(backup), encoding: .utf8))?.split(separator: " ").first.map(String.init)
            guard listed == backup.sha256 else { return "\(backup.fileName).sha256 does not hold the file's SHA-256" }
            let queue = try DatabaseQueue(path: restored.path)
            let result = try queue.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
            try queue.close()
            guard result == ["ok"] else { return "\(backup.fileName): integrity_check reports \(result.prefix(3).joined(separator: "; "))" }
            return nil
        } catch is StreamingInflater.Corrupt {
            return "\(backup.fileName) is not a complete gzip file"
        } catch {
            return "\(backup.fileName) could not be restored: \(error)"
        }
    }

    private func decompress(_ source: URL, into destination: URL) throws -> String {
        try BackupFiles.transform(source, into: destination) { input, output in
            let inflater = try StreamingInflater(.gzip)
            var hasher = SHA256()
            while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
                var failure: (any Error)?
                try chunk.withUnsafeBytes { raw in
                    try inflater.feed(raw) { piece in
                        do { try output.write(contentsOf: Data(piece)) } catch { failure = error }
                    }
                }
                if let failure { throw failure }
            }
            try inflater.end()
            return hasher.finalize().map { String(format: "%02x", $0) }.joined()
        }
    }
}
