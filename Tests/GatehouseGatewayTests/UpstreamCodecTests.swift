import NIOCore
import NIOHTTP1
import Testing

@testable import GatehouseHTTP

/// The gateway's own upstream codec: responses read whole however the bytes are split, and every
/// malformed or ambiguous response refused with its own reason.
struct UpstreamCodecTests {
    /// What the parser made of `bytes`, fed in pieces of `piece` bytes.
    struct Reading: Equatable {
        var heads: [Int] = []
        var fields: [[String]] = []
        var body = ""
        var ends: [Bool] = []
    }

    static func read(_ bytes: String, piece: Int = .max, toHEAD: Bool = false, responses: Int = 1, closed: Bool = false) throws -> Reading {
        var parser = UpstreamResponseParser()
        var reading = Reading()
        var pending = ByteBuffer()
        let all = Array(bytes.utf8)
        parser.expectResponse(toHEAD: toHEAD)
        var offset = 0
        while offset < all.count {
            let end = min(all.count, offset &+ piece)
            pending.writeBytes(all[offset..<end])
            offset = end
            while let event = try parser.next(&pending) {
                switch event {
                case .head(let head):
                    reading.heads.append(Int(head.status.code))
                    reading.fields.append(head.headers.map { "\($0.name)=\($0.value)" })
                case .body(var buffer):
                    reading.body += buffer.readString(length: buffer.readableBytes)!
                case .end(let keepAlive):
                    reading.ends.append(keepAlive)
                    if reading.ends.count < responses { parser.expectResponse(toHEAD: toHEAD) }
                }
            }
            pending.discardReadBytes()
        }
        if closed, let event = try parser.inputClosed(), case .end(let keepAlive) = event { reading.ends.append(keepAlive) }
        return reading
    }

    static let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
        + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"

    @Test func readsEveryFramingWhateverTheSplit() throws {
        let cases: [(String, Reading, Bool, Bool)] = [
            ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  spaced  \r\n\r\nhello",
             Reading(heads: [200], fields: [["Content-Length=5", "X-A=spaced"]], body: "hello", ends: [true]), false, false),
            (Self.chunked, Reading(heads: [200], fields: [["Transfer-Encoding=chunked", "Content-Type=text/plain"]], body: "hello world", ends: [true]), false, false),
            // No length: read until the upstream closes, and the connection is not reused.
            ("HTTP/1.1 200 OK\r\n\r\nuntil close", Reading(heads: [200], fields: [[]], body: "until close", ends: [false]), false, true),
            // No body, whatever the fields say: HEAD, 204, 304.
            ("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", Reading(heads: [200], fields: [["Content-Length=99"]], ends: [true]), true, false),
            ("HTTP/1.1 204 No Content\r\n\r\n", Reading(heads: [204], fields: [[]], ends: [true]), false, false),
            ("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", Reading(heads: [304], fields: [["Content-Length=10"]], ends: [true]), false, false),
            // Interim responses come before the final one; bare LF line ends are read too.
            ("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\nContent-Length: 2\n\nok",
             Reading(heads: [103, 200], fields: [["Link=</a>"], ["Content-Length=2"]], body: "ok", ends: [true]), false, false),
            // Persistence: HTTP/1.0 only with keep-alive; close ends it in any version.
            ("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", Reading(heads: [200], fields: [["Content-Length=0"]], ends: [false]), false, false),
            ("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n",
             Reading(heads: [200], fields: [["Connection=Keep-Alive", "Content-Length=0"]], ends: [true]), false, false),
            ("HTTP/1.1 200 OK\r\nConnection: x, close\r\nContent-Length: 1\r\n\r\n!",
             Reading(heads: [200], fields: [["Connection=x, close", "Content-Length=1"]], body: "!", ends: [false]), false, false),
            // The same length twice (as a list) is one length.
            ("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok", Reading(heads: [200], fields: [["Content-Length=2, 2"]], body: "ok", ends: [true]), false, false),
        ]
        for (bytes, expected, toHEAD, closed) in cases {
            for piece in [1, 2, 3, 7, .max] {
                let reading = try Self.read(bytes, piece: piece, toHEAD: toHEAD, closed: closed)
                #expect(reading == expected, "split every \(piece): \(bytes.debugDescription)")
            }
        }
    }

    @Test func readsResponsesOneAfterAnother() throws {
        let two = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA" + Self.chunked
        let reading = try Self.read(two, piece: 5, responses: 2)
        #expect(reading.heads == [200, 200])
        #expect(reading.body == "Ahello world")
        #expect(reading.ends == [true, true])
    }

    @Test func refusesMalformedResponsesWithTheirReason() throws {
        let cases: [(String, String)] = [
            ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "both Content-Length and Transfer-Encoding"),
            ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", "two different Content-Length"),
            ("HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n", "invalid Content-Length"),
            ("HTTP/1.1 200 OK\r\nContent-Length: 3x\r\n\r\n", "invalid Content-Length"),
            ("HTTP/1.1 200 OK\r\nContent-Length: 9999999999999999999\r\n\r\n", "invalid Content-Length"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", "chunked other than once, last"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", "chunked other than once, last"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "not hexadecimal"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;x\r\n", "without a size"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n", "too large"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", "longer than its size line"),
            ("HTTP/2 200 OK\r\n\r\n", "status line"),
            ("HTTP/1.1 20 OK\r\n\r\n", "status line"),
            ("HTTP/1.1 200OK\r\n\r\n", "status line"),
            ("HTTP/1.1 099 Low\r\n\r\n", "status line"),
            ("\r\n", "status line"),
            ("HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n", "folded"),
            ("HTTP/1.1 200 OK\r\nX A: 1\r\n\r\n", "field name"),
            ("HTTP/1.1 200 OK\r\n: 1\r\n\r\n", "without a field name"),
            ("HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", "control character"),
            ("HTTP/1.1 200 OK\r\nX-A: a\u{0}b\r\n\r\n", "control character"),
            ("HTTP/1.1 200 OK\r\nX-A: " + String(repeating: "a", count: 70_000) + "\r\n\r\n", "over 64 KiB"),
        ]
        for (bytes, reason) in cases {
            for piece in [1, .max] {
                do {
                    let reading = try Self.read(bytes, piece: piece)
                    Issue.record("accepted \(bytes.prefix(80).debugDescription) (split every \(piece)): \(reading)")
                } catch let error as UpstreamResponseParser.Malformed {
                    #expect(error.description.contains(reason), "\(bytes.prefix(80).debugDescription): \(error.description)")
                }
            }
        }
    }

    @Test func refusesCutOffAndUnsolicitedBytes() throws {
        #expect(throws: UpstreamResponseParser.Malformed.self) { try Self.read("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", closed: true) }
        #expect(throws: UpstreamResponseParser.Malformed.self) { try Self.read("HTTP/1.1 200 OK\r\nContent-Le", closed: true) }
        // A response, then bytes no request asked for.
        #expect(throws: UpstreamResponseParser.Malformed.self) { try Self.read("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n\r\n") }
        var idle = UpstreamResponseParser()
        var stray = ByteBuffer(string: "x")
        #expect(throws: UpstreamResponseParser.Malformed.self) { try idle.next(&stray) }
    }

    @Test func encodesRequestsWithTheFramingTheHeadSays() {
        let allocator = ByteBufferAllocator()
        var encoder = UpstreamRequestEncoder()
        var written: [String] = []
        let chunkedHead = HTTPRequestHead(
            version: .http1_1, method: .POST, uri: "/p?q=1", headers: ["Host": "a", "transfer-encoding": "chunked"])
        var head = encoder.encode(chunkedHead, allocator: allocator)
        #expect(head.readString(length: head.readableBytes) == "POST /p?q=1 HTTP/1.1\r\nHost: a\r\ntransfer-encoding: chunked\r\n\r\n")
        for body in ["", "hello", String(repeating: "z", count: 5000)] {
            encoder.encodeBody(ByteBuffer(string: body), allocator: allocator) { buffer in
                var buffer = buffer
                written.append(buffer.readString(length: buffer.readableBytes)!)
            }
        }
        #expect(written.joined() == "5\r\nhello\r\n1388\r\n" + String(repeating: "z", count: 5000) + "\r\n")
        var last = encoder.encodeEnd(allocator: allocator)
        #expect(last?.readString(length: 5) == "0\r\n\r\n")

        written = []
        _ = encoder.encode(HTTPRequestHead(version: .http1_1, method: .PUT, uri: "/", headers: ["content-length": "2"]), allocator: allocator)
        encoder.encodeBody(ByteBuffer(string: "ok"), allocator: allocator) { buffer in
            var buffer = buffer
            written.append(buffer.readString(length: buffer.readableBytes)!)
        }
        #expect(written == ["ok"])
        #expect(encoder.encodeEnd(allocator: allocator) == nil)
    }
}
