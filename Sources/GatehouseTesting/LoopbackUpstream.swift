import Foundation
import GatehouseCompression
import GRDB
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A real HTTP server on 127.0.0.1 standing in for a tenant's application. It records what it
/// receives and answers by path:
/// - `/slow`: waits 3 seconds before answering;
/// - `/close`: closes the connection without answering;
/// - `/bytes/N`: answers N bytes;
/// - `/card`: a text page showing a card number, in its body and its file name (for response masking);
///   `/card.gz`, `/card.deflate`, `/card.raw-deflate`: the same page compressed whatever was asked;
///   `/card.gz-cut`: compressed and cut off; `/card.gz-bomb`: 64 MiB of spaces after it, in 64 KiB of gzip;
///   `/card.br`: claiming a coding no one here decodes; `/card.none`: plain, labelled `none`;
///   `/card.gz-empty`: no body, labelled gzip; `/card.gz-range`: 206, the second half of the gzip body;
///   `/card-untyped`: the page without a Content-Type;
/// - `/hop`: the JSON echo with hop-by-hop, private and security fields of its own, names in mixed case;
/// - `/processor`: a card processor double: `{"token": "ptok_…"}` derived from the posted `pan`;
/// - anything else: a JSON echo of the method, URI, headers, body size and SHA-256 of the body.
public final class LoopbackUpstream: Sendable {
    /// `/spelled/<name>`: the card number 4111 1111 1111 1111 as a page or a document may spell it
    /// (character references, JSON escapes, full-width digits, no-break spaces), in a form (plain,
    /// percent-escaped, '+' for spaces), in a template's inline elements, and on lines of their own
    /// (a page, or a response of no stated type, shows them as one line; text and a textarea do not).
    public static let spelledCardPages: [String: (type: String, body: String)] = [
        "html": ("text/html; charset=utf-8", "<p>Card &#52;&#x31;11&nbsp;1111&nbsp;1111&nbsp;1111 &amp; more</p>"),
        "json": ("application/json", #"{"card":"\u0034111111111111111","note":"\u00e9t\u00e9"}"#),
        "wide": ("text/plain; charset=utf-8", "カード ４１１１１１１１１１１１１１１１ です"),
        "form": ("application/x-www-form-urlencoded", "card=4111111111111111&ok=1&next=%34%31%31%31111111111111&q=4111+1111+1111+1111"),
        "template": (
            "text/html",
            "<li>Card\n  <span class=\"group\">4111</span>\n  <span class=\"group\">1111</span>\n  <span class=\"group\">1111</span>\n  <span class=\"group\">1111</span>\n</li><li><b>2026</b>-<b>11</b>-<b>30</b></li>"
        ),
        "lines": ("text/html; charset=utf-8", "<td>\n  4111\n  1111\n  1111\n  1111\n</td>"),
        "lines.txt": ("text/plain", "4111\n1111\n1111\n1111\n"),
        "lines-untyped": ("", "<td>\n  4111\n  1111\n  1111\n  1111\n</td>"),
        "textarea": ("text/html", "<form><textarea name=\"pins\">\n9779\n2542\n6991\n1950\n9313\n</textarea></form>"),
    ]

    public struct Received: Sendable {
        public let method: String
        public let uri: String
        public let headers: [(String, String)]
        public let bodyBytes: Int
        public let body: [UInt8]

        public var bodyText: String { String(decoding: body, as: UTF8.self) }

        public func header(_ name: String) -> [String] {
            headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1)
        }
    }

    public let port: Int
    private let channel: any Channel
    let box: RecorderBox

    /// With `bodyDatabase`, every request (method, target, header fields, body) is also stored in that
    /// SQLite file as it arrives, as an application behind the gateway would store what it gets.
    public static func start(bodyDatabase: String? = nil) throws -> LoopbackUpstream {
        let box = RecorderBox()
        if let bodyDatabase {
            let queue = try DatabaseQueue(path: bodyDatabase)
            try queue.write { db in
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS received (id INTEGER PRIMARY KEY, method TEXT, target TEXT, headers TEXT, body BLOB)")
            }
            box.database.withLock { $0 = queue }
        }
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(UpstreamTestHandler(box: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        return LoopbackUpstream(port: channel.localAddress!.port!, channel: channel, box: box)
    }

    private init(port: Int, channel: any Channel, box: RecorderBox) {
        self.port = port
        self.channel = channel
        self.box = box
    }

    public var received: [Received] { box.log.withLock { $0 } }

    public var url: String { "http://127.0.0.1:\(port)" }

    public func shutdown() {
        try? channel.close().wait()
    }
}

final class RecorderBox: Sendable {
    let log = Mutex<[LoopbackUpstream.Received]>([])
    let database = Mutex<DatabaseQueue?>(nil)

    func record(_ received: LoopbackUpstream.Received) {
        log.withLock { $0.append(received) }
        guard let queue = database.withLock({ $0 }) else { return }
        let headers = received.headers.map { "\($0.0): \($0.1)" }.joined(separator: "\n")
        try? queue.write { db in
            try db.execute(
                sql: "INSERT INTO received (method, target, headers, body) VALUES (?, ?, ?, ?)",
                arguments: [received.method, received.uri, headers, Data(received.body)])
        }
    }
}

final class UpstreamTestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let box: RecorderBox
    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    private var body: [UInt8] = []
    private var hasher = SHA256Hasher()

    init(box: RecorderBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            bodyBytes = 0
            body = []
            hasher = SHA256Hasher()
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            body += buffer.readableBytesView
            hasher.update(buffer.readableBytesView)
        case .end:
            guard let head else { return }
            self.head = nil
            let received = LoopbackUpstream.Received(
                method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) }, bodyBytes: bodyBytes,
                body: body)
            box.record(received)
            answer(context: context, head: head, received: received)
        }
    }

    private func answer(context: ChannelHandlerContext, head: HTTPRequestHead, received: LoopbackUpstream.Received) {
        if head.uri.hasPrefix("/close") {
            context.close(promise: nil)
            return
        }
        if head.uri.hasPrefix("/slow") {
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .seconds(3)) {
                let (handler, context) = loopBound.value
                handler.send(context: context, version: head.version, body: ByteBuffer(string: "slow\n"))
            }
            return
        }
        if head.uri.hasPrefix("/card.") || head.uri == "/card-untyped" {
            answerCompressedCard(context: context, head: head)
            return
        }
        if head.uri.hasPrefix("/spelled/"), let page = LoopbackUpstream.spelledCardPages[String(head.uri.dropFirst("/spelled/".count))] {
            send(context: context, version: head.version, body: ByteBuffer(string: page.body), contentType: page.type.isEmpty ? nil : page.type)
            return
        }
        if head.uri.hasPrefix("/card") {
            send(
                context: context, version: head.version, body: ByteBuffer(string: Self.cardPage),
                extraHeaders: [("Content-Disposition", "attachment; filename=\"card-4111111111111111.txt\"")])
            return
        }
        if head.uri.hasPrefix("/processor") {
            // The card processor double: a token made of letters only, derived from the number.
            let object = (try? JSONSerialization.jsonObject(with: Data(received.body))) as? [String: Any]
            guard let pan = object?["pan"] as? String else {
                send(context: context, version: head.version, body: ByteBuffer(string: "{}"), contentType: "application/json")
                return
            }
            var digest = SHA256Hasher()
            digest.update(pan.utf8)
            let letters = String(digest.hexDigest().prefix(20).map { Character(UnicodeScalar(UInt8(ascii: "a") + UInt8($0.hexDigitValue!))) })
            send(context: context, version: head.version, body: ByteBuffer(string: "{\"token\":\"ptok_\(letters)\"}"), contentType: "application/json")
            return
        }
        if head.uri.hasPrefix("/bytes/"), let count = Int(head.uri.dropFirst("/bytes/".count)) {
            var buffer = context.channel.allocator.buffer(capacity: count)
            buffer.writeRepeatingByte(UInt8(ascii: "x"), count: count)
            send(context: context, version: head.version, body: buffer, contentType: "application/octet-stream")
            return
        }
        var extraHeaders: [(String, String)] = []
        if head.uri.hasPrefix("/hop") {
            extraHeaders = [
                ("Keep-Alive", "timeout=5"), ("Connection", "keep-alive, X-Upstream-Private"), ("X-Upstream-Private", "secret"),
                ("Cache-Control", "public, max-age=600"), ("Strict-Transport-Security", "max-age=1"),
                ("X-Content-Type-Options", "sniff"), ("Set-Cookie", "__Host-gatehouse_csrf=planted; Path=/"),
                ("Upgrade", "h2c"), ("X-Upstream-Kept", "yes"),
            ]
        }
        var headerObject: [String: [String]] = [:]
        for (name, value) in received.headers { headerObject[name.lowercased(), default: []].append(value) }
        let object: [String: Any] = [
            "method": received.method, "uri": received.uri, "headers": headerObject, "bodyBytes": received.bodyBytes,
            "bodySHA256": hasher.hexDigest(),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        send(context: context, version: head.version, body: ByteBuffer(bytes: data), contentType: "application/json", extraHeaders: extraHeaders)
    }

    static let cardPage = "Card on file: 4111 1111 1111 1111, backup 5555555555554444.\n"

    private func answerCompressedCard(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let page = Array(Self.cardPage.utf8)
        let (coding, format): (String?, ZlibFormat?) =
            switch head.uri {
            case "/card.gz", "/card.gz-cut", "/card.gz-bomb", "/card.gz-range": ("gzip", .gzip)
            case "/card.deflate": ("deflate", .zlib)
            case "/card.raw-deflate": ("deflate", .raw)
            case "/card.br": ("br", nil)
            case "/card.none": ("none", nil)
            case "/card.gz-empty": ("gzip", nil)
            default: (nil, nil)
            }
        var body = head.uri.hasSuffix("-empty") ? [] : page
        if let format, let deflater = try? StreamingDeflater(format: format) {
            body = []
            try? page.withUnsafeBytes { try deflater.feed($0) { body += $0 } }
            if head.uri.hasSuffix("-bomb") {
                let spaces = [UInt8](repeating: 0x20, count: 1 << 20)
                for _ in 0..<64 { try? spaces.withUnsafeBytes { try deflater.feed($0) { body += $0 } } }
            }
            try? deflater.finish { body += $0 }
            if head.uri.hasSuffix("-cut") { body.removeLast(body.count / 2) }
        }
        var extraHeaders = coding.map { [("Content-Encoding", $0)] } ?? []
        var status = HTTPResponseStatus.ok
        if head.uri.hasSuffix("-range") {
            let total = body.count
            body.removeFirst(total / 2)
            status = .partialContent
            extraHeaders.append(("Content-Range", "bytes \(total / 2)-\(total - 1)/\(total)"))
        }
        send(
            context: context, version: head.version, status: status, body: ByteBuffer(bytes: body),
            contentType: coding == nil ? nil : "text/plain; charset=utf-8", extraHeaders: extraHeaders, firstPiece: format == .raw ? 1 : nil)
    }

    func send(
        context: ChannelHandlerContext, version: HTTPVersion, status: HTTPResponseStatus = .ok, body: ByteBuffer, contentType: String? = "text/plain",
        extraHeaders: [(String, String)] = [], firstPiece: Int? = nil
    ) {
        var headers = HTTPHeaders(extraHeaders)
        if let contentType { headers.add(name: "content-type", value: contentType) }
        headers.add(name: "content-length", value: String(body.readableBytes))
        headers.add(name: "connection", value: "keep-alive")
        headers.add(name: "set-cookie", value: "__Host-gatehouse_session=fixated; Path=/; Secure")
        headers.add(name: "set-cookie", value: "app=1; Path=/")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        var body = body
        if let firstPiece, let first = body.readSlice(length: firstPiece) {
            // Sent apart, so the gateway reads the body in more than one piece.
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(first))), promise: nil)
        }
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
