import Foundation
import GatehouseCompression

/// A ZIP archive's members, so each can be scanned on its own: stored members as they are, deflated
/// ones through `StreamingInflater`. ZIP64 and encrypted members are reported as unscannable rather
/// than skipped silently. Any archive that cannot be read is `NotAZip`.
struct ZipEntries {
    typealias Entry = ZIPCentralDirectory.Entry

    struct NotAZip: Error {}

    let handle: FileHandle
    let entries: [Entry]

    init(handle: FileHandle, size: Int64) throws {
        self.handle = handle
        do {
            guard let end = try ZIPEndRecord.find(handle, size: size), end.directoryOffset + end.directorySize <= size else {
                throw NotAZip()
            }
            entries = try ZIPCentralDirectory(handle, end: end, limit: end.entries).entries
        } catch {
            throw NotAZip()
        }
    }

    /// Positions the handle at an entry's data and returns how many bytes it has.
    func seekToData(of entry: Entry) throws -> Int64 {
        let dataOffset: Int64
        do { dataOffset = try ZIPCentralDirectory.localHeader(of: entry, in: handle).dataOffset } catch { throw NotAZip() }
        try handle.seek(toOffset: UInt64(dataOffset))
        return entry.compressedSize
    }
}
