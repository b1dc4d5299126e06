import Foundation

/// A ZIP archive's end-of-central-directory record and its central directory, read as they are.
/// Callers decide what to accept: `pci scan` reads whatever it can scan, the evidence verifier
/// refuses anything a second ZIP reader could see differently.
public struct ZIPEndRecord: Sendable {
    /// Where the record starts; an archive without a comment ends 22 bytes after it.
    public let offset: Int64
    public let entriesOnDisk: Int
    public let entries: Int
    public let directorySize: Int64
    public let directoryOffset: Int64
    public let spansDisks: Bool
    /// A field holds its ZIP64 marker: the real values are in ZIP64 records.
    public let isZIP64: Bool

    /// The last end record within the final 64 KiB + 22 bytes (the longest comment), or nil.
    public static func find(_ handle: FileHandle, size: Int64) throws -> ZIPEndRecord? {
        let tailLength = min(size, 65_557)
        let tail = try ZIPBytes.read(handle, at: size - tailLength, count: Int(tailLength))
        guard tail.count >= 22, let start = stride(from: tail.count - 22, through: 0, by: -1).first(where: {
            ZIPBytes.u32(tail, $0) == 0x0605_4B50
        }) else { return nil }
        let directorySize = ZIPBytes.u32(tail, start + 12), directoryOffset = ZIPBytes.u32(tail, start + 16)
        let entries = ZIPBytes.u16(tail, start + 10)
        return ZIPEndRecord(
            offset: size - tailLength + Int64(start), entriesOnDisk: Int(ZIPBytes.u16(tail, start + 8)), entries: Int(entries),
            directorySize: Int64(directorySize), directoryOffset: Int64(directoryOffset),
            spansDisks: ZIPBytes.u16(tail, start + 4) != 0 || ZIPBytes.u16(tail, start + 6) != 0,
            isZIP64: directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF || entries == 0xFFFF)
    }
}

public struct ZIPCentralDirectory: Sendable {
    public struct Entry: Sendable {
        public let nameBytes: [UInt8]
        public let flags: UInt16
        public let method: UInt16
        public let compressedSize: Int64
        public let localHeaderOffset: Int64

        /// The name as text, undecodable bytes replaced.
        public var name: String { String(decoding: nameBytes, as: UTF8.self) }
        public var encrypted: Bool { flags & 1 == 1 }
    }

    /// A central-directory record is cut short or lacks its signature.
    public struct Malformed: Error {}

    public let entries: [Entry]

    /// The records of the directory the end record points at (which must lie within the file): all
    /// of them, or the first `limit`.
    public init(_ handle: FileHandle, end: ZIPEndRecord, limit: Int? = nil) throws {
        let directory = try ZIPBytes.read(handle, at: end.directoryOffset, count: Int(end.directorySize))
        var entries: [Entry] = []
        var position = 0
        while limit.map({ entries.count < $0 }) ?? (position < directory.count) {
            guard position + 46 <= directory.count, ZIPBytes.u32(directory, position) == 0x0201_4B50 else { throw Malformed() }
            let nameLength = Int(ZIPBytes.u16(directory, position + 28))
            let extraLength = Int(ZIPBytes.u16(directory, position + 30))
            let commentLength = Int(ZIPBytes.u16(directory, position + 32))
            guard position + 46 + nameLength + extraLength + commentLength <= directory.count else { throw Malformed() }
            entries.append(
                Entry(
                    nameBytes: Array(directory[(position + 46)..<(position + 46 + nameLength)]), flags: ZIPBytes.u16(directory, position + 8),
                    method: ZIPBytes.u16(directory, position + 10), compressedSize: Int64(ZIPBytes.u32(directory, position + 20)),
                    localHeaderOffset: Int64(ZIPBytes.u32(directory, position + 42))))
            position += 46 + nameLength + extraLength + commentLength
        }
        self.entries = entries
    }

    /// An entry's local header: the name it repeats, and where the entry's data starts.
    public static func localHeader(of entry: Entry, in handle: FileHandle) throws -> (nameBytes: [UInt8], dataOffset: Int64) {
        let header = try ZIPBytes.read(handle, at: entry.localHeaderOffset, count: 30)
        guard ZIPBytes.u32(header, 0) == 0x0403_4B50 else { throw Malformed() }
        let nameLength = Int(ZIPBytes.u16(header, 26)), extraLength = Int64(ZIPBytes.u16(header, 28))
        let name = try ZIPBytes.read(handle, at: entry.localHeaderOffset + 30, count: nameLength)
        return (name, entry.localHeaderOffset + 30 + Int64(nameLength) + extraLength)
    }
}

/// Little-endian fields and exact reads.
enum ZIPBytes {
    struct Truncated: Error {}

    static func read(_ handle: FileHandle, at offset: Int64, count: Int) throws -> [UInt8] {
        try handle.seek(toOffset: UInt64(offset))
        let data = count == 0 ? Data() : try handle.read(upToCount: count) ?? Data()
        guard data.count == count else { throw Truncated() }
        return [UInt8](data)
    }

    static func u16(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
    static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 { UInt32(u16(bytes, at)) | UInt32(u16(bytes, at + 2)) << 16 }
}
