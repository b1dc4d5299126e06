import Foundation

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
        let size = try handle.seekToEnd()
        guard size >= 22 else { throw Problem(message: "\(url.lastPathComponent) is not a ZIP archive") }
        let end = try read(handle, at: size - 22, count: 22)
        guard u32(end, 0) == 0x0605_4B50 else {
            throw Problem(message: "\(url.lastPathComponent) is not a ZIP archive, or has bytes after its end record (a comment or an appended file)")
        }
        let entries = Int(u16(end, 10))
        let directorySize = UInt64(u32(end, 12))
        let directoryOffset = UInt64(u32(end, 16))
        guard u16(end, 4) == 0, u16(end, 6) == 0, u16(end, 8) == u16(end, 10) else {
            throw Problem(message: "the archive spans several disks")
        }
        guard directorySize != 0xFFFF_FFFF, directoryOffset != 0xFFFF_FFFF, entries != 0xFFFF else {
            throw Problem(message: "the archive uses ZIP64 records, which bundles never need")
        }
        guard directoryOffset + directorySize == size - 22 else {
            throw Problem(message: "the archive's central directory does not end where its end record starts: extra or hidden entries")
        }
        let directory = try read(handle, at: directoryOffset, count: Int(directorySize))
        var names: [String] = []
        var position = 0
        while position < directory.count {
            guard position + 46 <= directory.count, u32(directory, position) == 0x0201_4B50 else {
                throw Problem(message: "the archive's central directory is malformed")
            }
            let nameLength = Int(u16(directory, position + 28))
            let extraLength = Int(u16(directory, position + 30))
            let commentLength = Int(u16(directory, position + 32))
            let localOffset = UInt64(u32(directory, position + 42))
            guard position + 46 + nameLength + extraLength + commentLength <= directory.count else {
                throw Problem(message: "the archive's central directory is malformed")
            }
            let nameBytes = directory[(position + 46)..<(position + 46 + nameLength)]
            guard let name = String(bytes: nameBytes, encoding: .utf8) else { throw Problem(message: "an entry name is not UTF-8") }
            try checkSafe(name)
            guard localOffset + 30 <= directoryOffset else { throw Problem(message: "entry \(name) points outside the archive") }
            let local = try read(handle, at: localOffset, count: 30)
            let localNameLength = Int(u16(local, 26))
            guard u32(local, 0) == 0x0403_4B50, localNameLength == nameLength,
                  try read(handle, at: localOffset + 30, count: localNameLength) == Array(nameBytes)
            else { throw Problem(message: "entry \(name) does not match its local header: two readers would see different files") }
            names.append(name)
            position += 46 + nameLength + extraLength + commentLength
        }
        guard names.count == entries else {
            throw Problem(message: "the archive announces \(entries) entries but its central directory holds \(names.count)")
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

    private static func read(_ handle: FileHandle, at offset: UInt64, count: Int) throws -> [UInt8] {
        try handle.seek(toOffset: offset)
        let data = try handle.read(upToCount: count) ?? Data()
        guard data.count == count else { throw Problem(message: "the archive is truncated") }
        return [UInt8](data)
    }

    private static func u16(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
    private static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 { UInt32(u16(bytes, at)) | UInt32(u16(bytes, at + 2)) << 16 }
}
