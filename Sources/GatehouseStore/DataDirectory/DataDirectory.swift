import Foundation
import GatehouseCore

/// The data directory: the SQLite database (WAL), the master key and, later, host keys, backups
/// and exports. Created 0700 on first use.
public struct DataDirectory: Sendable {
    public let url: URL

    public init(path: String) {
        url = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
    }

    public var databaseURL: URL { url.appendingPathComponent("gatehouse.sqlite") }
    public var masterKeyURL: URL { url.appendingPathComponent("master.key") }

    /// Creates the directory (0700) if missing; refuses a path that is a file.
    public func prepare() throws(GatehouseError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw .environment("data path \(url.path) exists but is not a directory; pass --data DIR")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(
                at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .environment("cannot create data directory \(url.path): \(error.localizedDescription)")
        }
    }
}
