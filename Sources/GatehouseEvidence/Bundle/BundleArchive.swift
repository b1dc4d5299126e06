import Crypto
import Foundation
import GatehouseCore
import ZIPFoundation

/// Packs a bundle's files into one ZIP, streamed from disk, then moves it into place.
enum BundleArchive {
    static let chunk = 1 << 20

    /// Writes `files` (paths relative to `directory`) to `output`; returns the ZIP's SHA-256 and size.
    static func write(directory: URL, files: [String], to output: URL, modificationDate: Date) throws(GatehouseError) -> (String, Int64) {
        let partial = output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            let archive = try Archive(url: partial, accessMode: .create)
            for path in files {
                let url = directory.appendingPathComponent(path)
                let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int64 ?? 0
                let handle = try FileHandle(forReadingFrom: url)
                defer { try? handle.close() }
                try archive.addEntry(
                    with: path, type: .file, uncompressedSize: size, modificationDate: modificationDate, permissions: 0o644,
                    compressionMethod: .deflate, bufferSize: chunk
                ) { position, length in
                    try handle.seek(toOffset: UInt64(position))
                    return try handle.read(upToCount: length) ?? Data()
                }
            }
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw .environment("cannot write \(output.path): \(error.localizedDescription)")
        }
        let digest: (String, Int64)
        do {
            digest = try sha256(of: partial)
            if FileManager.default.fileExists(atPath: output.path) {
                throw GatehouseError.conflict("\(output.path) appeared while exporting; it was left alone")
            }
            try FileManager.default.moveItem(at: partial, to: output)
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw EvidenceExporter.mapped(error)
        }
        return digest
    }

    static func sha256(of url: URL) throws -> (String, Int64) {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while let data = try handle.read(upToCount: chunk), !data.isEmpty {
            hasher.update(data: data)
            size += Int64(data.count)
        }
        return (hasher.finalize().hexString, size)
    }
}
