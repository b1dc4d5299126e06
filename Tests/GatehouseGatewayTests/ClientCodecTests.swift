import NIOCore
import NIOHTTP1
import Testing

@testable import GatehouseHTTP

/// The gateway's own client-side codec: requests read whole however the bytes are split, every
/// framing two parsers could read differently refused with its own status and reason, and responses
/// framed as their status and fields say.
struct ClientCodecTests {
    /// The parts `bytes` parse into, fed in pieces of `piece` bytes, as text.
    static func parts(_ bytes: String, piece: Int = .max) throws -> [String] {
        var parser = ClientRequestParser()
        var pending = ByteBuffer()
        var parts: [String] = []
        let all = Array(bytes.utf8)
        var offset = 0
        while offset < all.count {
            let end = min(all.count, offset &+ piece)
            pending.writeBytes(all[offset..<end])
            offset = end
            while let part = try parser.next(&pending) {
                switch part {
                case .head(let head):
                    let fields = head.headers.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
                    parts.append("\(head.method.rawValue) \(head.uri) 1.\(head.version.minor) [\(fields)]")
                case .body(var buffer):
                    // Pieces are joined: how a body is cut depends on the reads.
                    let text = buffer.readString(length: buffer.readableBytes)!
                    if let last = parts.last, last.hasPrefix("body ") { parts[parts.count - 1] = last + text } else { parts.append("body " + text) }
                case .end:
                    parts.append("end")
                }
            }
            pending.discardReadBytes()
        }
        return parts
    }

    @Test func readsEveryFramingWhateverTheSplit() throws {
        let cases: [(String, [String])] = [
            ("GET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n", ["GET /a?b=1 1.1 [Host=x]", "end"]),
            ("\r\n\r\nPOST /p HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello", ["POST /p 1.0 [Content-Length=5]", "body hello", "end"]),
            ("PUT /c HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n5;name=v\r\nhello\r\n1\r\n!\r\n0\r\nX-T: 1\r\n\r\n",
             ["PUT /c 1.1 [Transfer-Encoding=Chunked]", "body hello!", "end"]),
            ("PATCH /z HTTP/1.1\nContent-Length: 2\n\nok", ["PATCH /z 1.1 [Content-Length=2]", "body ok", "end"]),
            // Pipelined: one request after another on the same bytes.
            ("GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 1\r\n\r\nxGET /3 HTTP/1.1\r\n\r\n",
             ["GET /1 1.1 []", "end", "POST /2 1.1 [Content-Length=1]", "body x", "end", "GET /3 1.1 []", "end"]),
            ("BREW /pot HTTP/1.1\r\nX-Empty:\r\n\r\n", ["BREW /pot 1.1 [X-Empty=]", "end"]),
        ]
        for (bytes, expected) in cases {
            for piece in [1, 2, 5, .max] {
                #expect(try Self.parts(bytes, piece: piece) == expected, "split every \(piece): \(bytes.debugDescription)")
            }
        }
    }

    @Test func refusesWhatTwoParsersCouldReadDifferently() throws {
        let cases: [(String, UInt, String)] = [
            ("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "both Content-Length and Transfer-Encoding"),
            ("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400, "two different Content-Length"),
            ("POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n", 400, "invalid Content-Length"),
            ("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 400, "Only 'Transfer-Encoding: chunked'"),
            ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "Only 'Transfer-Encoding: chunked'"),
            ("POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n", 400, "Only 'Transfer-Encoding: chunked'"),
            ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "HTTP/1.0 request cannot use Transfer-Encoding"),
            ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400, "not hexadecimal"),
            ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", 400, "longer than its size line"),
            ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + String(repeating: "1", count: 20) + "\r\n", 400, "too large"),
            ("GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n", 400, "folded"),
            ("GET / HTTP/1.1\r\nX A: 1\r\n\r\n", 400, "field name"),
            ("GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", 400, "control character"),
            ("GET / HTTP/1.1\r\nX-A: \u{7F}\r\n\r\n", 400, "control character"),
            ("GET /\u{1}a HTTP/1.1\r\n\r\n", 400, "request target"),
            ("GET  / HTTP/1.1\r\n\r\n", 400, "request target"),
            ("GET /a b HTTP/1.1\r\n\r\n", 400, "request target"),
            ("G@T / HTTP/1.1\r\n\r\n", 400, "request method"),
            ("GET /\r\n\r\n", 400, "request line"),
            ("GET / HTTP/1.1 x\r\n\r\n", 400, "request target"),
            ("GET / HTTPS/1.1\r\n\r\n", 400, "protocol version"),
            ("GET / HTTP/2.0\r\n\r\n", 505, "HTTP/1.1"),
            ("GET / HTTP/1.2\r\n\r\n", 505, "HTTP/1.1"),
            ("GET / HTTP/1.1\r\nX-A: " + String(repeating: "a", count: 70_000) + "\r\n\r\n", 431, "over 64 KiB"),
        ]
        for (bytes, status, reason) in cases {
            for piece in [1, .max] {
                do {
                    let parts = try Self.parts(bytes, piece: piece)
                    Issue.record("accepted \(bytes.prefix(80).debugDescription) (split every \(piece)): \(parts)")
                } catch let error as ClientRequestParser.Malformed {
                    #expect(error.status.code == status, "\(bytes.prefix(80).debugDescription): \(error)")
                    #expect(error.explanation.contains(reason), "\(bytes.prefix(80).debugDescription): \(error)")
                }
            }
        }
    }

    /// A response as the client receives it, from a head and body pieces.
    static func encoded(_ head: HTTPResponseHead, toHEAD: Bool = false, body: [String]) -> String {
        let allocator = ByteBufferAllocator()
        var encoder = ClientResponseEncoder()
        var out = encoder.encodeHead(head, toHEAD: toHEAD, allocator: allocator)
        for piece in body {
            encoder.encodeBody(ByteBuffer(string: piece), allocator: allocator) { buffer in
                var buffer = buffer
                out.writeBuffer(&buffer)
            }
        }
        var end = encoder.encodeEnd(allocator: allocator)
        out.writeBuffer(&end)
        return out.readString(length: out.readableBytes)!
    }

    @Test func framesResponsesAsTheirStatusAndFieldsSay() {
        let v11 = HTTPVersion.http1_1
        #expect(Self.encoded(HTTPResponseHead(version: v11, status: .ok, headers: ["Content-Length": "5"]), body: ["he", "llo"])
            == "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        // No length on HTTP/1.1: chunked, whatever Transfer-Encoding the upstream named.
        #expect(Self.encoded(HTTPResponseHead(version: v11, status: .ok, headers: ["transfer-encoding": "gzip", "X-A": "1"]), body: ["he", "", "llo"])
            == "HTTP/1.1 200 OK\r\nX-A: 1\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n")
        // HTTP/1.0: no chunks; the body ends with the connection.
        #expect(Self.encoded(HTTPResponseHead(version: .http1_0, status: .ok, headers: ["connection": "close"]), body: ["raw"])
            == "HTTP/1.0 200 OK\r\nconnection: close\r\n\r\nraw")
        // No body for 204 and 304, none sent for HEAD (its Content-Length kept), custom reasons kept.
        #expect(Self.encoded(HTTPResponseHead(version: v11, status: .noContent, headers: ["content-length": "3"]), body: ["abc"])
            == "HTTP/1.1 204 No Content\r\n\r\n")
        #expect(Self.encoded(HTTPResponseHead(version: v11, status: .ok, headers: ["content-length": "3"]), toHEAD: true, body: ["abc"])
            == "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n")
        #expect(Self.encoded(HTTPResponseHead(version: v11, status: .custom(code: 299, reasonPhrase: "Fine"), headers: ["content-length": "0"]), body: [])
            == "HTTP/1.1 299 Fine\r\ncontent-length: 0\r\n\r\n")
    }

    @Test func anInterimResponseLeavesTheFinalOnesFraming() {
        let allocator = ByteBufferAllocator()
        var encoder = ClientResponseEncoder()
        var continued = encoder.encodeHead(HTTPResponseHead(version: .http1_1, status: .continue), toHEAD: false, allocator: allocator)
        #expect(continued.readString(length: continued.readableBytes) == "HTTP/1.1 100 Continue\r\n\r\n")
        _ = encoder.encodeHead(HTTPResponseHead(version: .http1_1, status: .ok), toHEAD: false, allocator: allocator)
        var pieces: [String] = []
        encoder.encodeBody(ByteBuffer(string: "x"), allocator: allocator) { buffer in
            var buffer = buffer
            pieces.append(buffer.readString(length: buffer.readableBytes)!)
        }
        var end = encoder.encodeEnd(allocator: allocator)
        #expect(pieces == ["1\r\nx\r\n"])
        #expect(end.readString(length: end.readableBytes) == "0\r\n\r\n")
    }

    @Test func smallWritesAreJoinedUntilTheFlushAndNeverReordered() {
        var writes = CoalescedWrites()
        var written: [String] = []
        func add(_ text: String) {
            writes.add(ByteBuffer(string: text)) { buffer in
                var buffer = buffer
                written.append(buffer.readString(length: buffer.readableBytes)!)
            }
        }
        // A head and a small body: one write, made at the flush.
        add("HTTP/1.1 200 OK\r\n\r\n")
        add("")
        add("hello")
        #expect(written.isEmpty)
        let held = writes.take().map { String(buffer: $0) }
        #expect(held == "HTTP/1.1 200 OK\r\n\r\nhello")
        #expect(writes.take() == nil)
        // Never more than one TLS record's worth held: what would overflow goes first, in order.
        let limit = CoalescedWrites.limit
        let nearlyFull = String(repeating: "a", count: limit - 10)
        add("head")
        add(nearlyFull)
        #expect(written.isEmpty)
        add(String(repeating: "b", count: 20))
        #expect(written == ["head" + nearlyFull])
        // A buffer of a record or more is not copied: it goes right after what was held.
        let large = String(repeating: "c", count: limit)
        add(large)
        #expect(written == ["head" + nearlyFull, String(repeating: "b", count: 20), large])
        #expect(writes.take() == nil)
    }
}
