import Foundation
import GatehouseCompression

/// A strict look at a bundle's ZIP container before its entries are trusted: one end record at the
/// very end (no comment, no ZIP64), a central directory that ends where that record starts and
/// holds exactly the entries it announces, each pointing at a local header with the same name, and
/// every name a plain relative path. Two ZIP readers must not be able to see different files.
enum ZIPStructure {
    struct Problem: Error { let message: String }

    /// The entry names in central-directory order.
    static func names(of url: URL) throws -> [String] {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let size = Int64(try handle.seekToEnd())
        guard size >= 22 else { throw Problem(message: "\(url.lastPathComponent) is not a ZIP archive") }
        guard let end = try ZIPEndRecord.find(handle, size: size), end.offset == size - 22 else {
            throw Problem(message: "\(url.lastPathComponent) is not a ZIP archive, or has bytes after its end record (a comment or an appended file)")
        }
        guard !end.spansDisks, end.entriesOnDisk == end.entries else { throw Problem(message: "the archive spans several disks") }
        guard !end.isZIP64 else { throw Problem(message: "the archive uses ZIP64 records, which bundles never need") }
        guard end.directoryOffset + end.directorySize == end.offset else {
            throw Problem(message: "the archive's central directory does not end where its end record starts: extra or hidden entries")
        }
        let directory: ZIPCentralDirectory
        do { directory = try ZIPCentralDirectory(handle, end: end) } catch {
            throw Problem(message: "the archive's central directory is malformed")
        }
        var names: [String] = []
        for entry in directory.entries {
            guard let name = String(bytes: entry.nameBytes, encoding: .utf8) else { throw Problem(message: "an entry name is not UTF-8") }
            try checkSafe(name)
            guard entry.localHeaderOffset + 30 <= end.directoryOffset else { throw Problem(message: "entry \(name) points outside the archive") }
            guard (try? ZIPCentralDirectory.localHeader(of: entry, in: handle).nameBytes) == entry.nameBytes else {
                throw Problem(message: "entry \(name) does not match its local header: two readers would see different files")
            }
            names.append(name)
        }
        guard names.count == end.entries else {
            throw Problem(message: "the archive announces \(end.entries) entries but its central directory holds \(names.count)")
        }
        return names
    }

    /// A plain relative path: no absolute path, no parent step, no backslash, no empty or dot component.
    static func checkSafe(_ name: String) throws {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !name.isEmpty, !name.hasPrefix("/"), !name.contains("\\"), !name.hasSuffix("/"),
              components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }),
              !name.unicodeScalars.contains(where: { $0.value < 0x20 })
        else { throw Problem(message: "the archive holds an entry with an unsafe name: \(name.debugDescription)") }
    }
}
