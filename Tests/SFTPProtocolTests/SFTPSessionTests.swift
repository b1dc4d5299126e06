import NIOCore
import Synchronization
import Testing

@testable import SFTPProtocol

/// The session state machine: what OpenSSH's sftp client asks, and what a read-only backup root answers.
struct SFTPSessionTests {
    final class Files: Sendable {
        let list = Mutex<[SFTPFile]>([
            SFTPFile(name: "20261130T000500Z-full.sqlite.gz", size: 1_000_000, modified: 1_764_461_100),
            SFTPFile(name: "20261130T000500Z-full.sqlite.gz.sha256", size: 97, modified: 1_764_461_100),
        ])
    }

    func session(_ files: Files = Files()) -> SFTPSession {
        var session = SFTPSession(owner: "acme") { files.list.withLock { $0 } }
        #expect(session.handle(.initialize(version: 3)) == .reply(.version(3, extensions: SFTPSession.extensions)))
        return session
    }

    func handle(_ action: SFTPAction) -> [UInt8]? {
        if case .reply(.handle(_, let handle)) = action { return handle }
        return nil
    }

    func code(_ action: SFTPAction) -> SFTPStatusCode? {
        if case .reply(.status(_, let code, _)) = action { return code }
        return nil
    }

    @Test func initComesFirstAndOnce() {
        var fresh = SFTPSession(owner: "acme") { [] }
        #expect(fresh.handle(.realpath(id: 1, path: ".")) == .close(reason: "request before INIT"))
        var started = session()
        #expect(started.handle(.initialize(version: 3)) == .close(reason: "a second INIT"))
    }

    @Test func pathsStayInsideTheRoot() {
        var session = session()
        for (raw, expected) in [(".", "/"), ("/../../etc/passwd", "/etc/passwd"), ("a/../../..", "/"), ("//x//./y/..", "/x"), ("..\\..", "/..\\..")] {
            #expect(session.handle(.realpath(id: 1, path: raw)) == .reply(.name(id: 1, names: [SFTPName(filename: expected, longname: expected, attributes: SFTPAttributes())])), "\(raw)")
        }
        #expect(code(session.handle(.realpath(id: 2, path: "a\u{0}b"))) == .badMessage)
        #expect(code(session.handle(.stat(id: 3, path: "/../etc/passwd"))) == .noSuchFile)
        #expect(code(session.handle(.open(id: 4, path: "../../../../etc/passwd", flags: .read, attributes: SFTPAttributes()))) == .noSuchFile)
        // A file's name reached by any spelling is the same file.
        #expect(handle(session.handle(.open(id: 5, path: "/x/../20261130T000500Z-full.sqlite.gz", flags: .read, attributes: SFTPAttributes()))) != nil)
    }

    @Test func listingPagesAndEnds() {
        let files = Files()
        files.list.withLock { list in
            list = (0..<250).map { SFTPFile(name: String(format: "f%03d.sqlite.gz", $0), size: 10, modified: 0) }
        }
        var session = session(files)
        let directory = try! #require(handle(session.handle(.opendir(id: 1, path: "/"))))
        var names: [String] = []
        for id in 2..<5 {
            guard case .reply(.name(_, let page)) = session.handle(.readdir(id: UInt32(id), handle: directory)) else {
                Issue.record("no NAME reply")
                return
            }
            #expect(page.count <= 100)
            names += page.map(\.filename)
        }
        #expect(names.count == 250 && names.first == "f000.sqlite.gz")
        #expect(code(session.handle(.readdir(id: 9, handle: directory))) == .eof)
        #expect(code(session.handle(.close(id: 10, handle: directory))) == .ok)
        #expect(code(session.handle(.readdir(id: 11, handle: directory))) == .failure)  // closed
        #expect(code(session.handle(.opendir(id: 12, path: "/f001.sqlite.gz"))) == .failure)
        #expect(code(session.handle(.opendir(id: 13, path: "/nothing"))) == .noSuchFile)
    }

    @Test func readsAreClampedAndEndWithEOF() {
        var session = session()
        let file = try! #require(handle(session.handle(.open(id: 1, path: "20261130T000500Z-full.sqlite.gz", flags: .read, attributes: SFTPAttributes()))))
        let entry = SFTPFile(name: "20261130T000500Z-full.sqlite.gz", size: 1_000_000, modified: 1_764_461_100)
        #expect(session.handle(.read(id: 2, handle: file, offset: 0, length: 32_768)) == .read(id: 2, file: entry, offset: 0, length: 32_768))
        #expect(session.handle(.read(id: 3, handle: file, offset: 0, length: .max)) == .read(id: 3, file: entry, offset: 0, length: SFTPSession.maxReadLength))
        #expect(session.handle(.read(id: 4, handle: file, offset: 999_990, length: 32_768)) == .read(id: 4, file: entry, offset: 999_990, length: 10))
        #expect(code(session.handle(.read(id: 5, handle: file, offset: 1_000_000, length: 1))) == .eof)
        #expect(code(session.handle(.read(id: 6, handle: file, offset: .max, length: 1))) == .eof)
        #expect(code(session.handle(.read(id: 7, handle: file, offset: 0, length: 0))) == .failure)
        #expect(code(session.handle(.read(id: 8, handle: [9, 9, 9, 9], offset: 0, length: 1))) == .failure)
        #expect(code(session.handle(.read(id: 9, handle: [0, 0, 1], offset: 0, length: 1))) == .failure)
        guard case .reply(.attributes(_, let attributes)) = session.handle(.fstat(id: 10, handle: file)) else {
            Issue.record("no ATTRS")
            return
        }
        #expect(attributes.size == 1_000_000 && attributes.permissions == 0o100400)
    }

    @Test func everyWriteIsRefused() {
        var session = session()
        let requests: [SFTPRequest] = [
            .open(id: 1, path: "new", flags: [.write, .create, .truncate], attributes: SFTPAttributes()),
            .open(id: 2, path: "20261130T000500Z-full.sqlite.gz", flags: [.read, .write], attributes: SFTPAttributes()),
            .open(id: 3, path: "x", flags: [.read, .append], attributes: SFTPAttributes()),
            .write(id: 4, handle: [0, 0, 0, 1], offset: 0, length: 10), .setstat(id: 5, path: "/"), .fsetstat(id: 6, handle: [0, 0, 0, 1]),
            .remove(id: 7, path: "20261130T000500Z-full.sqlite.gz"), .mkdir(id: 8, path: "d"), .rmdir(id: 9, path: "/"),
            .rename(id: 10, from: "a", to: "b"), .symlink(id: 11, link: "l", target: "/etc/passwd"),
        ]
        for request in requests { #expect(code(session.handle(request)) == .permissionDenied, "\(request)") }
        #expect(code(session.handle(.readlink(id: 12, path: "x"))) == .failure)
        #expect(code(session.handle(.extended(id: 13, name: "posix-rename@openssh.com", data: []))) == .opUnsupported)
        #expect(code(session.handle(.unknown(id: 14, type: 42))) == .opUnsupported)
    }

    @Test func opensslimitsAndHomeExtensions() {
        var session = session()
        guard case .reply(.extendedReply(_, let payload)) = session.handle(.extended(id: 1, name: "limits@openssh.com", data: [])) else {
            Issue.record("no limits reply")
            return
        }
        var buffer = ByteBuffer(bytes: payload)
        #expect(buffer.readInteger(as: UInt64.self) == 262_144 && buffer.readInteger(as: UInt64.self) == 261_120)
        #expect(buffer.readInteger(as: UInt64.self) == 32_768 && buffer.readInteger(as: UInt64.self) == 32)
        let path = [UInt8]([0, 0, 0, 3]) + Array("~/a".utf8)
        #expect(session.handle(.extended(id: 2, name: "expand-path@openssh.com", data: path))
            == .reply(.name(id: 2, names: [SFTPName(filename: "/a", longname: "/a", attributes: SFTPAttributes())])))
    }

    @Test func handlesAreCappedAndNeverReused() {
        var session = session()
        var seen: Set<[UInt8]> = []
        for id in 0..<SFTPSession.maxHandles {
            let opened = try! #require(handle(session.handle(.opendir(id: UInt32(id), path: "/"))))
            #expect(seen.insert(opened).inserted)
        }
        #expect(code(session.handle(.opendir(id: 99, path: "/"))) == .failure)
        let first = seen.first!
        #expect(code(session.handle(.close(id: 100, handle: first))) == .ok)
        let again = try! #require(handle(session.handle(.opendir(id: 101, path: "/"))))
        #expect(!seen.contains(again))
    }

    @Test func aFileThatExpiresCanNoLongerBeOpened() {
        let files = Files()
        var session = session(files)
        #expect(handle(session.handle(.open(id: 1, path: "20261130T000500Z-full.sqlite.gz", flags: .read, attributes: SFTPAttributes()))) != nil)
        files.list.withLock { $0.removeAll() }  // seven days passed
        #expect(code(session.handle(.open(id: 2, path: "20261130T000500Z-full.sqlite.gz", flags: .read, attributes: SFTPAttributes()))) == .noSuchFile)
        #expect(code(session.handle(.stat(id: 3, path: "20261130T000500Z-full.sqlite.gz"))) == .noSuchFile)
    }
}
