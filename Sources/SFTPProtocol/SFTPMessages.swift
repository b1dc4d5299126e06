import NIOCore

/// SFTP version 3 (draft-ietf-secsh-filexfer-02), as OpenSSH speaks it.
public enum SFTPPacketType: UInt8, Sendable {
    case initialize = 1, version = 2, open = 3, close = 4, read = 5, write = 6, lstat = 7, fstat = 8, setstat = 9
    case fsetstat = 10, opendir = 11, readdir = 12, remove = 13, mkdir = 14, rmdir = 15, realpath = 16, stat = 17
    case rename = 18, readlink = 19, symlink = 20
    case status = 101, handle = 102, data = 103, name = 104, attrs = 105
    case extended = 200, extendedReply = 201
}

public enum SFTPStatusCode: UInt32, Sendable {
    case ok = 0, eof = 1, noSuchFile = 2, permissionDenied = 3, failure = 4, badMessage = 5
    case noConnection = 6, connectionLost = 7, opUnsupported = 8
}

/// OPEN's pflags.
public struct SFTPOpenFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let read = SFTPOpenFlags(rawValue: 0x01)
    public static let write = SFTPOpenFlags(rawValue: 0x02)
    public static let append = SFTPOpenFlags(rawValue: 0x04)
    public static let create = SFTPOpenFlags(rawValue: 0x08)
    public static let truncate = SFTPOpenFlags(rawValue: 0x10)
    public static let exclusive = SFTPOpenFlags(rawValue: 0x20)
}

/// ATTRS: every field optional, present when its flag is set.
public struct SFTPAttributes: Equatable, Sendable {
    public var size: UInt64?
    public var uidgid: (uid: UInt32, gid: UInt32)?
    public var permissions: UInt32?
    public var times: (access: UInt32, modified: UInt32)?
    public var extended: [(String, String)] = []

    public init(size: UInt64? = nil, permissions: UInt32? = nil, times: (access: UInt32, modified: UInt32)? = nil) {
        self.size = size
        self.permissions = permissions
        self.times = times
    }

    public static func == (lhs: SFTPAttributes, rhs: SFTPAttributes) -> Bool {
        lhs.size == rhs.size && lhs.uidgid?.uid == rhs.uidgid?.uid && lhs.uidgid?.gid == rhs.uidgid?.gid
            && lhs.permissions == rhs.permissions && lhs.times?.access == rhs.times?.access
            && lhs.times?.modified == rhs.times?.modified && lhs.extended.elementsEqual(rhs.extended, by: ==)
    }
}

/// A client request. Paths and handles are bytes on the wire; paths are read as UTF-8.
public enum SFTPRequest: Equatable, Sendable {
    case initialize(version: UInt32)
    case open(id: UInt32, path: String, flags: SFTPOpenFlags, attributes: SFTPAttributes)
    case close(id: UInt32, handle: [UInt8])
    case read(id: UInt32, handle: [UInt8], offset: UInt64, length: UInt32)
    case write(id: UInt32, handle: [UInt8], offset: UInt64, length: Int)
    case lstat(id: UInt32, path: String)
    case fstat(id: UInt32, handle: [UInt8])
    case setstat(id: UInt32, path: String)
    case fsetstat(id: UInt32, handle: [UInt8])
    case opendir(id: UInt32, path: String)
    case readdir(id: UInt32, handle: [UInt8])
    case remove(id: UInt32, path: String)
    case mkdir(id: UInt32, path: String)
    case rmdir(id: UInt32, path: String)
    case realpath(id: UInt32, path: String)
    case stat(id: UInt32, path: String)
    case rename(id: UInt32, from: String, to: String)
    case readlink(id: UInt32, path: String)
    case symlink(id: UInt32, link: String, target: String)
    case extended(id: UInt32, name: String, data: [UInt8])
    /// A request type this server does not know; it still gets a reply.
    case unknown(id: UInt32, type: UInt8)

    public var id: UInt32? {
        switch self {
        case .initialize: nil
        case .open(let id, _, _, _), .close(let id, _), .read(let id, _, _, _), .write(let id, _, _, _), .lstat(let id, _),
            .fstat(let id, _), .setstat(let id, _), .fsetstat(let id, _), .opendir(let id, _), .readdir(let id, _),
            .remove(let id, _), .mkdir(let id, _), .rmdir(let id, _), .realpath(let id, _), .stat(let id, _),
            .rename(let id, _, _), .readlink(let id, _), .symlink(let id, _, _), .extended(let id, _, _), .unknown(let id, _):
            id
        }
    }
}

/// One entry of a NAME reply.
public struct SFTPName: Equatable, Sendable {
    public var filename: String
    public var longname: String
    public var attributes: SFTPAttributes

    public init(filename: String, longname: String, attributes: SFTPAttributes) {
        self.filename = filename
        self.longname = longname
        self.attributes = attributes
    }
}

/// A server reply.
public enum SFTPResponse: Equatable, Sendable {
    case version(UInt32, extensions: [(String, String)])
    case status(id: UInt32, code: SFTPStatusCode, message: String)
    case handle(id: UInt32, handle: [UInt8])
    /// DATA with the bytes written by the I/O layer (the codec frames, the file supplies).
    case data(id: UInt32, bytes: ByteBuffer)
    case name(id: UInt32, names: [SFTPName])
    case attributes(id: UInt32, SFTPAttributes)
    case extendedReply(id: UInt32, payload: [UInt8])

    public static func == (lhs: SFTPResponse, rhs: SFTPResponse) -> Bool {
        switch (lhs, rhs) {
        case (.version(let a, let x), .version(let b, let y)): a == b && x.elementsEqual(y, by: ==)
        case (.status(let a, let c, let m), .status(let b, let d, let n)): a == b && c == d && m == n
        case (.handle(let a, let x), .handle(let b, let y)): a == b && x == y
        case (.data(let a, let x), .data(let b, let y)): a == b && x == y
        case (.name(let a, let x), .name(let b, let y)): a == b && x == y
        case (.attributes(let a, let x), .attributes(let b, let y)): a == b && x == y
        case (.extendedReply(let a, let x), .extendedReply(let b, let y)): a == b && x == y
        default: false
        }
    }
}
