import NIOCore

/// Why a packet could not be read. `badMessage` carries the request id when it was readable, so
/// the request still gets its STATUS reply; the others end the channel.
public enum SFTPDecodeError: Error, Equatable, Sendable {
    /// The declared length is over the limit (OpenSSH: 256 KiB).
    case packetTooLarge(UInt32)
    case emptyPacket
    case badMessage(id: UInt32?, reason: String)
}

/// Frames and parses SFTP packets: `uint32 length, byte type, payload`. Every length inside a
/// packet is checked against what remains of it; nothing is allocated from a declared size alone.
public struct SFTPDecoder: Sendable {
    public static let maxPacketLength: UInt32 = 256 * 1024

    public init() {}

    /// The next complete request in `buffer`, or nil when more bytes are needed.
    public func next(from buffer: inout ByteBuffer) throws(SFTPDecodeError) -> SFTPRequest? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard length <= Self.maxPacketLength else { throw .packetTooLarge(length) }
        guard length > 0 else { throw .emptyPacket }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        var packet = buffer.readSlice(length: Int(length))!
        return try Self.parse(&packet)
    }

    static func parse(_ packet: inout ByteBuffer) throws(SFTPDecodeError) -> SFTPRequest {
        let type = packet.readInteger(as: UInt8.self)!
        if type == SFTPPacketType.initialize.rawValue {
            guard let version = packet.readInteger(as: UInt32.self) else { throw .badMessage(id: nil, reason: "INIT without a version") }
            return .initialize(version: version)  // extension pairs from clients are ignored
        }
        guard let id = packet.readInteger(as: UInt32.self) else { throw .badMessage(id: nil, reason: "packet without a request id") }
        var reader = FieldReader(buffer: packet, id: id)
        let request: SFTPRequest
        switch SFTPPacketType(rawValue: type) {
        case .open: request = .open(id: id, path: try reader.text(), flags: SFTPOpenFlags(rawValue: try reader.uint32()), attributes: try reader.attributes())
        case .close: request = .close(id: id, handle: try reader.bytes())
        case .read: request = .read(id: id, handle: try reader.bytes(), offset: try reader.uint64(), length: try reader.uint32())
        case .write:
            let handle = try reader.bytes(), offset = try reader.uint64()
            request = .write(id: id, handle: handle, offset: offset, length: try reader.bytes().count)
        case .lstat: request = .lstat(id: id, path: try reader.text())
        case .fstat: request = .fstat(id: id, handle: try reader.bytes())
        case .setstat:
            request = .setstat(id: id, path: try reader.text())
            _ = try reader.attributes()
        case .fsetstat:
            request = .fsetstat(id: id, handle: try reader.bytes())
            _ = try reader.attributes()
        case .opendir: request = .opendir(id: id, path: try reader.text())
        case .readdir: request = .readdir(id: id, handle: try reader.bytes())
        case .remove: request = .remove(id: id, path: try reader.text())
        case .mkdir:
            request = .mkdir(id: id, path: try reader.text())
            _ = try reader.attributes()
        case .rmdir: request = .rmdir(id: id, path: try reader.text())
        case .realpath: request = .realpath(id: id, path: try reader.text())
        case .stat: request = .stat(id: id, path: try reader.text())
        case .rename: request = .rename(id: id, from: try reader.text(), to: try reader.text())
        case .readlink: request = .readlink(id: id, path: try reader.text())
        case .symlink: request = .symlink(id: id, link: try reader.text(), target: try reader.text())
        case .extended:
            let name = try reader.text()
            return .extended(id: id, name: name, data: reader.remaining())
        default:
            return .unknown(id: id, type: type)
        }
        guard reader.isAtEnd else { throw .badMessage(id: id, reason: "trailing bytes after the request") }
        return request
    }

    /// Reads the fields of one packet, each bounded by what is left of it.
    struct FieldReader {
        var buffer: ByteBuffer
        let id: UInt32

        var isAtEnd: Bool { buffer.readableBytes == 0 }

        mutating func uint32() throws(SFTPDecodeError) -> UInt32 {
            guard let value = buffer.readInteger(as: UInt32.self) else { throw .badMessage(id: id, reason: "truncated field") }
            return value
        }

        mutating func uint64() throws(SFTPDecodeError) -> UInt64 {
            guard let value = buffer.readInteger(as: UInt64.self) else { throw .badMessage(id: id, reason: "truncated field") }
            return value
        }

        mutating func bytes() throws(SFTPDecodeError) -> [UInt8] {
            let length = try uint32()
            guard length <= buffer.readableBytes, let bytes = buffer.readBytes(length: Int(length)) else {
                throw .badMessage(id: id, reason: "a string runs past the end of the packet")
            }
            return bytes
        }

        mutating func text() throws(SFTPDecodeError) -> String {
            let bytes = try bytes()
            guard let text = String(validating: bytes, as: UTF8.self) else { throw .badMessage(id: id, reason: "a path is not UTF-8") }
            return text
        }

        mutating func attributes() throws(SFTPDecodeError) -> SFTPAttributes {
            let flags = try uint32()
            var attributes = SFTPAttributes()
            if flags & 0x1 != 0 { attributes.size = try uint64() }
            if flags & 0x2 != 0 { attributes.uidgid = (try uint32(), try uint32()) }
            if flags & 0x4 != 0 { attributes.permissions = try uint32() }
            if flags & 0x8 != 0 { attributes.times = (try uint32(), try uint32()) }
            if flags & 0x8000_0000 != 0 {
                let count = try uint32()
                guard count <= 64 else { throw .badMessage(id: id, reason: "too many extended attributes") }
                for _ in 0..<count {
                    let name = String(decoding: try bytes(), as: UTF8.self), value = String(decoding: try bytes(), as: UTF8.self)
                    attributes.extended.append((name, value))
                }
            }
            return attributes
        }

        mutating func remaining() -> [UInt8] {
            buffer.readBytes(length: buffer.readableBytes) ?? []
        }
    }
}

/// Writes replies as framed packets.
public enum SFTPEncoder {
    public static func encode(_ response: SFTPResponse, into buffer: inout ByteBuffer) {
        let start = buffer.writerIndex
        buffer.writeInteger(UInt32(0))  // length, set below
        switch response {
        case .version(let version, let extensions):
            buffer.writeInteger(SFTPPacketType.version.rawValue)
            buffer.writeInteger(version)
            for (name, data) in extensions {
                writeString(name, into: &buffer)
                writeString(data, into: &buffer)
            }
        case .status(let id, let code, let message):
            buffer.writeInteger(SFTPPacketType.status.rawValue)
            buffer.writeInteger(id)
            buffer.writeInteger(code.rawValue)
            writeString(message, into: &buffer)
            writeString("en", into: &buffer)
        case .handle(let id, let handle):
            buffer.writeInteger(SFTPPacketType.handle.rawValue)
            buffer.writeInteger(id)
            buffer.writeInteger(UInt32(handle.count))
            buffer.writeBytes(handle)
        case .data(let id, var bytes):
            buffer.writeInteger(SFTPPacketType.data.rawValue)
            buffer.writeInteger(id)
            buffer.writeInteger(UInt32(bytes.readableBytes))
            buffer.writeBuffer(&bytes)
        case .name(let id, let names):
            buffer.writeInteger(SFTPPacketType.name.rawValue)
            buffer.writeInteger(id)
            buffer.writeInteger(UInt32(names.count))
            for name in names {
                writeString(name.filename, into: &buffer)
                writeString(name.longname, into: &buffer)
                writeAttributes(name.attributes, into: &buffer)
            }
        case .attributes(let id, let attributes):
            buffer.writeInteger(SFTPPacketType.attrs.rawValue)
            buffer.writeInteger(id)
            writeAttributes(attributes, into: &buffer)
        case .extendedReply(let id, let payload):
            buffer.writeInteger(SFTPPacketType.extendedReply.rawValue)
            buffer.writeInteger(id)
            buffer.writeBytes(payload)
        }
        buffer.setInteger(UInt32(buffer.writerIndex - start - 4), at: start)
    }

    static func writeString(_ text: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(text.utf8.count))
        buffer.writeString(text)
    }

    static func writeAttributes(_ attributes: SFTPAttributes, into buffer: inout ByteBuffer) {
        var flags: UInt32 = 0
        if attributes.size != nil { flags |= 0x1 }
        if attributes.uidgid != nil { flags |= 0x2 }
        if attributes.permissions != nil { flags |= 0x4 }
        if attributes.times != nil { flags |= 0x8 }
        buffer.writeInteger(flags)
        if let size = attributes.size { buffer.writeInteger(size) }
        if let ids = attributes.uidgid {
            buffer.writeInteger(ids.uid)
            buffer.writeInteger(ids.gid)
        }
        if let permissions = attributes.permissions { buffer.writeInteger(permissions) }
        if let times = attributes.times {
            buffer.writeInteger(times.access)
            buffer.writeInteger(times.modified)
        }
    }
}
