import Crypto
import Foundation
import GatehouseCore

/// The 32-byte key that seals every secret at rest. Made on first run (0600) and refused when
/// anyone but the owner could read it.
public struct MasterKey: Sendable {
    public static let byteCount = 32
    let key: SymmetricKey

    init(key: SymmetricKey) { self.key = key }

    /// Loads the key file, creating it if absent.
    public static func loadOrCreate(at url: URL) throws(GatehouseError) -> MasterKey {
        let path = url.path
        if !FileManager.default.fileExists(atPath: path) {
            return try create(at: url)
        }
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw .environment("cannot read master key \(path): \(error.localizedDescription)")
        }
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o777
        guard mode & 0o077 == 0 else {
            throw .environment(
                "master key \(path) is readable by group or others (mode \(String(mode, radix: 8))); "
                    + "fix it with: chmod 600 \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .environment("cannot read master key \(path); check its owner and permissions")
        }
        guard data.count == byteCount else {
            throw .environment(
                "master key \(path) holds \(data.count) bytes, expected \(byteCount); restore it from your key backup")
        }
        return MasterKey(key: SymmetricKey(data: data))
    }

    private static func create(at url: URL) throws(GatehouseError) -> MasterKey {
        let key = SymmetricKey(size: .bits256)
        let data = key.withUnsafeBytes { Data($0) }
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw .environment("cannot create master key \(url.path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(fd) == 0 else {
            unlink(url.path)
            throw .environment("cannot write master key \(url.path): \(String(cString: strerror(errno)))")
        }
        return MasterKey(key: key)
    }
}
