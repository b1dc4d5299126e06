import Crypto
import Foundation
import GRDB
import GatehouseCompression
import GatehouseCore

/// Makes one backup file: SQLite's online backup API copies the tenant's database consistently
/// while its application writes, the copy is gzip-compressed in pieces through the system zlib,
/// and the SHA-256 of the compressed bytes is computed on the way.
struct BackupWriter {
    struct Written {
        let fileName: String
        let sizeBytes: Int64
        let sha256: String
    }

    let files: BackupFiles

    /// `progress` receives (pages copied, pages in total) while the database is copied.
    func write(
        tenant: TenantPrefix, database: String, kind: BackupKind, at now: Date, progress: (Int, Int) -> Void
    ) throws(GatehouseError) -> Written {
        guard FileManager.default.fileExists(atPath: database) else {
            throw .environment("the database of \(tenant), \(database), does not exist")
        }
        let directory = try files.prepare(tenant)
        let fileName = Backup.fileName(createdAt: now, kind: kind)
        let unique = UUID().uuidString
        let copy = directory.appendingPathComponent(BackupFiles.partialPrefix + unique + ".sqlite")
        let partial = directory.appendingPathComponent(BackupFiles.partialPrefix + unique + ".sqlite.gz")
        let partialChecksum = directory.appendingPathComponent(BackupFiles.partialPrefix + unique + ".sqlite.gz.sha256")
        defer {
            for url in [copy, partial, partialChecksum] { try? FileManager.default.removeItem(at: url) }
        }
        do {
            try onlineCopy(from: database, to: copy.path, progress: progress)
            let (size, digest) = try compress(copy, into: partial)
            FileManager.default.createFile(
                atPath: partialChecksum.path, contents: Data("\(digest)  \(fileName)\n".utf8), attributes: [.posixPermissions: 0o600])
            let final = directory.appendingPathComponent(fileName)
            guard !FileManager.default.fileExists(atPath: final.path) else {
                throw GatehouseError.conflict("a backup named \(fileName) already exists for \(tenant)")
            }
            try FileManager.default.moveItem(at: partial, to: final)
            try FileManager.default.moveItem(at: partialChecksum, to: directory.appendingPathComponent(fileName + ".sha256"))
            return Written(fileName: fileName, sizeBytes: size, sha256: digest)
        } catch let error as GatehouseError {
            throw error
        } catch {
            throw .environment("backup of \(tenant) failed: \(error)")
        }
    }

    private func onlineCopy(from source: String, to destination: String, progress: (Int, Int) -> Void) throws {
        var configuration = Configuration()
        configuration.readonly = true
        let sourceQueue = try DatabaseQueue(path: source, configuration: configuration)
        let destinationQueue = try DatabaseQueue(path: destination)
        try withoutActuallyEscaping(progress) { progress in
            try sourceQueue.backup(to: destinationQueue, pagesPerStep: 1_024) { step in
                progress(step.completedPageCount, step.totalPageCount)
            }
        }
        try destinationQueue.close()
        try sourceQueue.close()
    }

    /// Gzips `source` into `destination` one megabyte at a time; returns the size and hex SHA-256.
    private func compress(_ source: URL, into destination: URL) throws -> (Int64, String) {
        try BackupFiles.transform(source, into: destination) { input, output in
            let deflater = try StreamingDeflater()
            var hasher = SHA256()
            var size: Int64 = 0
            let emit: (UnsafeRawBufferPointer) throws -> Void = { piece in
                hasher.update(bufferPointer: piece)
                size += Int64(piece.count)
                try output.write(contentsOf: Data(piece))
            }
            while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
                try chunk.withUnsafeBytes { try deflater.feed($0, emit: emit) }
            }
            try deflater.finish(emit: emit)
            try output.synchronize()
            return (size, hasher.finalize().map { String(format: "%02x", $0) }.joined())
        }
    }
}
