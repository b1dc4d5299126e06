import GatehouseCore

/// A file the session may read, as the I/O layer lists it at the moment of the request.
public struct SFTPFile: Equatable, Sendable {
    public var name: String
    public var size: UInt64
    /// Seconds since 1970.
    public var modified: UInt32

    public init(name: String, size: UInt64, modified: UInt32) {
        self.name = name
        self.size = size
        self.modified = modified
    }
}

/// What the I/O layer does with a request.
public enum SFTPAction: Equatable, Sendable {
    case reply(SFTPResponse)
    /// Read `length` bytes (already clamped, at least 1, within the file) at `offset` and reply DATA
    /// with `id`; replies must leave in request order.
    case read(id: UInt32, file: SFTPFile, offset: UInt64, length: UInt32)
    /// The client broke the protocol: log `reason` and close the channel.
    case close(reason: String)
}

/// One SFTP session over a flat, read-only root of files: the pure state machine (handles, paths,
/// limits, refusals). Every request gets exactly one action; nothing here touches a file.
public struct SFTPSession: Sendable {
    public static let maxHandles = 32
    public static let maxReadLength: UInt32 = 261_120
    static let namesPerReply = 100
    static let extensions = [("limits@openssh.com", "1"), ("expand-path@openssh.com", "1")]

    enum Handle {
        case file(SFTPFile)
        case directory([SFTPFile], next: Int)
    }

    /// The session's files now (backups younger than 7 days); asked on every lookup.
    let listing: @Sendable () -> [SFTPFile]
    /// Owner shown in `ls -l` lines.
    let owner: String
    private var initialized = false
    private var handles: [UInt32: Handle] = [:]
    /// Handles are never reused within a session.
    private var nextHandle: UInt32 = 1

    public init(owner: String, listing: @escaping @Sendable () -> [SFTPFile]) {
        self.owner = owner
        self.listing = listing
    }

    public var openHandles: Int { handles.count }

    public mutating func handle(_ error: SFTPDecodeError) -> SFTPAction {
        switch error {
        case .badMessage(let id?, let reason): .reply(.status(id: id, code: .badMessage, message: reason))
        case .badMessage(nil, let reason): .close(reason: reason)
        case .packetTooLarge(let length): .close(reason: "packet of \(length) bytes is over the 256 KiB limit")
        case .emptyPacket: .close(reason: "empty packet")
        }
    }

    public mutating func handle(_ request: SFTPRequest) -> SFTPAction {
        guard initialized else {
            guard case .initialize = request else { return .close(reason: "request before INIT") }
            initialized = true
            return .reply(.version(3, extensions: Self.extensions))
        }
        switch request {
        case .initialize:
            return .close(reason: "a second INIT")
        case .realpath(let id, let path):
            return resolved(id, path) { .reply(.name(id: id, names: [SFTPName(filename: $0.description, longname: $0.description, attributes: SFTPAttributes())])) }
        case .stat(let id, let path), .lstat(let id, let path):
            return resolved(id, path) { path in
                if path.isRoot { return .reply(.attributes(id: id, rootAttributes)) }
                guard let file = file(at: path) else { return status(id, .noSuchFile, "no such file") }
                return .reply(.attributes(id: id, attributes(of: file)))
            }
        case .opendir(let id, let path):
            return resolved(id, path) { path in
                guard path.isRoot else {
                    return file(at: path) == nil ? status(id, .noSuchFile, "no such directory") : status(id, .failure, "not a directory")
                }
                return newHandle(id, .directory(listing().sorted { $0.name < $1.name }, next: 0))
            }
        case .readdir(let id, let raw):
            guard let number = Self.handleNumber(raw), case .directory(let files, let next)? = handles[number] else {
                return status(id, .failure, "invalid directory handle")
            }
            guard next < files.count else { return status(id, .eof, "end of directory") }
            let page = files[next..<min(next + Self.namesPerReply, files.count)]
            handles[number] = .directory(files, next: next + page.count)
            return .reply(.name(id: id, names: page.map { SFTPName(filename: $0.name, longname: longname($0), attributes: attributes(of: $0)) }))
        case .open(let id, let path, let flags, _):
            guard flags.isDisjoint(with: [.write, .append, .create, .truncate, .exclusive]) else {
                return status(id, .permissionDenied, "backups are read-only")
            }
            return resolved(id, path) { path in
                if path.isRoot { return status(id, .failure, "is a directory") }
                guard let file = file(at: path) else { return status(id, .noSuchFile, "no such file") }
                return newHandle(id, .file(file))
            }
        case .read(let id, let raw, let offset, let length):
            guard let number = Self.handleNumber(raw), case .file(let file)? = handles[number] else {
                return status(id, .failure, "invalid file handle")
            }
            guard offset < file.size else { return status(id, .eof, "end of file") }
            guard length > 0 else { return status(id, .failure, "a read of zero bytes") }
            let clamped = UInt32(min(UInt64(min(length, Self.maxReadLength)), file.size - offset))
            return .read(id: id, file: file, offset: offset, length: clamped)
        case .fstat(let id, let raw):
            guard let number = Self.handleNumber(raw), let handle = handles[number] else { return status(id, .failure, "invalid handle") }
            if case .file(let file) = handle { return .reply(.attributes(id: id, attributes(of: file))) }
            return .reply(.attributes(id: id, rootAttributes))
        case .close(let id, let raw):
            guard let number = Self.handleNumber(raw), handles.removeValue(forKey: number) != nil else {
                return status(id, .failure, "invalid handle")
            }
            return status(id, .ok, "closed")
        case .write(let id, _, _, _), .setstat(let id, _), .fsetstat(let id, _), .remove(let id, _), .mkdir(let id, _),
            .rmdir(let id, _), .rename(let id, _, _), .symlink(let id, _, _):
            return status(id, .permissionDenied, "backups are read-only")
        case .readlink(let id, _):
            return status(id, .failure, "there are no symbolic links here")
        case .extended(let id, "limits@openssh.com", _):
            var payload: [UInt8] = []
            for value in [UInt64(SFTPDecoder.maxPacketLength), UInt64(Self.maxReadLength), 32_768, UInt64(Self.maxHandles)] {
                payload += withUnsafeBytes(of: value.bigEndian, Array.init)
            }
            return .reply(.extendedReply(id: id, payload: payload))
        case .extended(let id, "expand-path@openssh.com", let data):
            guard data.count >= 4 else { return status(id, .badMessage, "expand-path without a path") }
            let length = Int(data[0]) << 24 | Int(data[1]) << 16 | Int(data[2]) << 8 | Int(data[3])
            guard length == data.count - 4, let text = String(validating: data[4...], as: UTF8.self) else {
                return status(id, .badMessage, "expand-path with a malformed path")
            }
            // The home directory is the root: '~' and '~/x' resolve under it.
            let path = text == "~" ? "/" : text.hasPrefix("~/") ? "/" + text.dropFirst(2) : text
            return handle(.realpath(id: id, path: path))
        case .extended(let id, _, _), .unknown(let id, _):
            return status(id, .opUnsupported, "operation not supported")
        }
    }

    // MARK: Helpers

    private func resolved(_ id: UInt32, _ raw: String, _ body: (VirtualPath) -> SFTPAction) -> SFTPAction {
        // The one normaliser: '..' stops at the root, '//' and '.' vanish, NUL is refused.
        guard let path = try? VirtualPath(raw) else { return status(id, .badMessage, "path contains a NUL byte or is too long") }
        return body(path)
    }

    private func file(at path: VirtualPath) -> SFTPFile? {
        guard path.components.count == 1 else { return nil }
        return listing().first { $0.name == path.components[0] }
    }

    private mutating func newHandle(_ id: UInt32, _ handle: Handle) -> SFTPAction {
        guard handles.count < Self.maxHandles else { return status(id, .failure, "too many open handles (limit \(Self.maxHandles))") }
        let number = nextHandle
        nextHandle &+= 1
        handles[number] = handle
        return .reply(.handle(id: id, handle: withUnsafeBytes(of: number.bigEndian, Array.init)))
    }

    static func handleNumber(_ raw: [UInt8]) -> UInt32? {
        guard raw.count == 4 else { return nil }
        return UInt32(raw[0]) << 24 | UInt32(raw[1]) << 16 | UInt32(raw[2]) << 8 | UInt32(raw[3])
    }

    private func status(_ id: UInt32, _ code: SFTPStatusCode, _ message: String) -> SFTPAction {
        .reply(.status(id: id, code: code, message: message))
    }

    private var rootAttributes: SFTPAttributes { SFTPAttributes(size: 0, permissions: 0o040500) }

    private func attributes(of file: SFTPFile) -> SFTPAttributes {
        SFTPAttributes(size: file.size, permissions: 0o100400, times: (file.modified, file.modified))
    }

    private func longname(_ file: SFTPFile) -> String {
        let size = String(file.size)
        return "-r--------    1 \(owner.padding(8)) \(owner.padding(8)) \(String(repeating: " ", count: max(0, 12 - size.count)))\(size) \(file.name)"
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
