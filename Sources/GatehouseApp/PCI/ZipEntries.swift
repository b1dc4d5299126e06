import Foundation

/// Reads a ZIP archive's central directory, so each member can be scanned on its own: stored
/// members as they are, deflated ones through `StreamingInflater`. ZIP64 and encrypted members are
/// reported as unscannable rather than skipped silently.
struct ZipEntries {
    struct Entry {
        let name: String
        let method: UInt16
        let encrypted: Bool
        let compressedSize: Int64
        let localHeaderOffset: Int64
    }

    struct NotAZip: Error {}

    let handle: FileHandle
    let entries: [Entry]

    init(handle: FileHandle, size: Int64) throws {
        self.handle = handle
        // End of central directory: within the last 64 KiB + 22 bytes.
        let tailLength = min(size, 65_557)
        try handle.seek(toOffset: UInt64(size - tailLength))
        let tail = [UInt8](try handle.read(upToCount: Int(tailLength)) ?? Data())
        guard tail.count >= 22, let end = stride(from: tail.count - 22, through: 0, by: -1).first(where: {
            tail[$0] == 0x50 && tail[$0 + 1] == 0x4B && tail[$0 + 2] == 0x05 && tail[$0 + 3] == 0x06
        }) else { throw NotAZip() }
        let count = Int(Self.uint16(tail, end + 10))
        let directorySize = Int(Self.uint32(tail, end + 12))
        let directoryOffset = Int64(Self.uint32(tail, end + 16))
        guard directoryOffset + Int64(directorySize) <= size else { throw NotAZip() }
        try handle.seek(toOffset: UInt64(directoryOffset))
        let directory = [UInt8](try handle.read(upToCount: directorySize) ?? Data())
        var entries: [Entry] = []
        var position = 0
        for _ in 0..<count {
            guard position + 46 <= directory.count, Self.uint32(directory, position) == 0x0201_4B50 else { throw NotAZip() }
            let flags = Self.uint16(directory, position + 8)
            let method = Self.uint16(directory, position + 10)
            let compressed = Int64(Self.uint32(directory, position + 20))
            let nameLength = Int(Self.uint16(directory, position + 28))
            let extraLength = Int(Self.uint16(directory, position + 30))
            let commentLength = Int(Self.uint16(directory, position + 32))
            let offset = Int64(Self.uint32(directory, position + 42))
            guard position + 46 + nameLength <= directory.count else { throw NotAZip() }
            let name = String(decoding: directory[(position + 46)..<(position + 46 + nameLength)], as: UTF8.self)
            entries.append(
                Entry(name: name, method: method, encrypted: flags & 1 == 1, compressedSize: compressed, localHeaderOffset: offset))
            position += 46 + nameLength + extraLength + commentLength
        }
        self.entries = entries
    }

    /// Positions the handle at an entry's data and returns how many bytes it has.
    func seekToData(of entry: Entry) throws -> Int64 {
        try handle.seek(toOffset: UInt64(entry.localHeaderOffset))
        let header = [UInt8](try handle.read(upToCount: 30) ?? Data())
        guard header.count == 30, Self.uint32(header, 0) == 0x0403_4B50 else { throw NotAZip() }
        let skip = Int64(Self.uint16(header, 26)) + Int64(Self.uint16(header, 28))
        try handle.seek(toOffset: UInt64(entry.localHeaderOffset + 30 + skip))
        return entry.compressedSize
    }

    static func uint16(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
    static func uint32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}
