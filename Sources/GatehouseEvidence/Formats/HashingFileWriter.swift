import Crypto
import Foundation
import GatehouseCore

/// Writes a file through a buffer, hashing every byte on the way: evidence files are hashed once,
/// as written, and never read back into memory.
final class HashingFileWriter {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var hasher = SHA256()
    private(set) var size: Int64 = 0
    static let bufferSize = 256 * 1024

    init(creating url: URL) throws(GatehouseError) {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: url.path)
        else { throw .environment("cannot write \(url.path)") }
        self.handle = handle
        buffer.reserveCapacity(Self.bufferSize)
    }

    func write(_ bytes: some Sequence<UInt8>) throws(GatehouseError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.bufferSize { try flush() }
    }

    func write(_ text: String) throws(GatehouseError) { try write(text.utf8) }

    private func flush() throws(GatehouseError) {
        guard !buffer.isEmpty else { return }
        hasher.update(data: buffer)
        size += Int64(buffer.count)
        do { try handle.write(contentsOf: buffer) } catch { throw .environment("cannot write evidence file: \(error.localizedDescription)") }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, closes and returns the SHA-256 (hex) and size.
    func finish() throws(GatehouseError) -> (sha256: String, size: Int64) {
        try flush()
        do { try handle.close() } catch { throw .environment("cannot close evidence file: \(error.localizedDescription)") }
        return (hasher.finalize().hexString, size)
    }
}

/// Writes a whole small file and returns its hash and size.
func writeFile(_ bytes: [UInt8], to url: URL) throws(GatehouseError) -> (sha256: String, size: Int64) {
    let writer = try HashingFileWriter(creating: url)
    try writer.write(bytes)
    return try writer.finish()
}
