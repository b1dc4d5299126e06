import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A real HTTP server on 127.0.0.1 standing in for a tenant's application. It records what it
/// receives and answers by path:
/// - `/slow`: waits 3 seconds before answering;
/// - `/close`: closes the connection without answering;
/// - `/bytes/N`: answers N bytes;
/// - anything else: a JSON echo of the method, URI, headers, body size and SHA-256 of the body.
public final class LoopbackUpstream: Sendable {
    public struct Received: Sendable {
        public let method: String
        public let uri: String
        public let headers: [(String, String)]
        public let bodyBytes: Int

        public func header(_ name: String) -> [String] {
            headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1)
        }
    }

    public let port: Int
    private let channel: any Channel
    let box: RecorderBox

    public static func start() throws -> LoopbackUpstream {
        let box = RecorderBox()
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
}

final class UpstreamTestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let box: RecorderBox
    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    private var hasher = SHA256Hasher()

    init(box: RecorderBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            bodyBytes = 0
            hasher = SHA256Hasher()
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            hasher.update(buffer.readableBytesView)
        case .end:
            guard let head else { return }
            self.head = nil
            let received = LoopbackUpstream.Received(
                method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) }, bodyBytes: bodyBytes)
            box.log.withLock { $0.append(received) }
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
        if head.uri.hasPrefix("/bytes/"), let count = Int(head.uri.dropFirst("/bytes/".count)) {
            var buffer = context.channel.allocator.buffer(capacity: count)
            buffer.writeRepeatingByte(UInt8(ascii: "x"), count: count)
            send(context: context, version: head.version, body: buffer, contentType: "application/octet-stream")
            return
        }
        var headerObject: [String: [String]] = [:]
        for (name, value) in received.headers { headerObject[name.lowercased(), default: []].append(value) }
        let object: [String: Any] = [
            "method": received.method, "uri": received.uri, "headers": headerObject, "bodyBytes": received.bodyBytes,
            "bodySHA256": hasher.hexDigest(),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        send(context: context, version: head.version, body: ByteBuffer(bytes: data), contentType: "application/json")
    }

    func send(context: ChannelHandlerContext, version: HTTPVersion, body: ByteBuffer, contentType: String = "text/plain") {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: contentType)
        headers.add(name: "content-length", value: String(body.readableBytes))
        headers.add(name: "connection", value: "keep-alive")
        headers.add(name: "set-cookie", value: "__Host-gatehouse_session=fixated; Path=/; Secure")
        headers.add(name: "set-cookie", value: "app=1; Path=/")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
