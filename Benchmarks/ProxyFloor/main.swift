// The floor under any SwiftNIO proxy on this machine: TLS in from the client, bytes out to one
// upstream connection per client connection on the same event loop, bytes back, with no HTTP
// parsing, no routing, no access checks and no logging. `gateway-vs-nginx.sh` runs it beside
// Gatehouse and nginx, so the gap between Gatehouse and nginx can be split into what the product does
// per request and what NIO with BoringSSL costs before it does anything.
//
//   proxy-floor <port> <upstream port> <cert.pem> <key.pem> [--http | --http-requests]
//
// With --http the floor also decodes and re-encodes HTTP/1 in both directions with NIO's codecs
// (heads passed through unchanged), which is the cost Gatehouse's proxy path pays for framing;
// --http-requests does so for requests only.
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

let arguments = CommandLine.arguments
guard arguments.count >= 5, let port = Int(arguments[1]), let upstreamPort = Int(arguments[2]) else {
    print("usage: proxy-floor <port> <upstream port> <cert.pem> <key.pem> [--http | --http-requests]")
    exit(2)
}
/// Which directions go through NIO's HTTP/1 codecs: none, requests only, or both. (Responses alone
/// cannot: NIO's response decoder must see the request heads it answers.)
let codecRequests = arguments.contains("--http") || arguments.contains("--http-requests")
let codecResponses = arguments.contains("--http")
let tls = try NIOSSLContext(configuration: .makeServerConfiguration(
    certificateChain: try NIOSSLCertificate.fromPEMFile(arguments[3]).map { .certificate($0) },
    privateKey: .privateKey(try NIOSSLPrivateKey(file: arguments[4], format: .pem))))
let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)

/// Forwards whatever it reads to its partner channel, flushing once per read batch.
final class Relay: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = NIOAny
    var partner: Channel?
    var pending = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner?.write(data, promise: nil)
        pending = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if pending { partner?.flush(); pending = false }
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.close(promise: nil)
    }
}

/// HTTP parts arrive as server parts on the client side and must leave as client parts upstream.
final class RequestParts: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPClientRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): context.fireChannelRead(wrapInboundOut(.head(head)))
        case .body(let body): context.fireChannelRead(wrapInboundOut(.body(.byteBuffer(body))))
        case .end(let trailers): context.fireChannelRead(wrapInboundOut(.end(trailers)))
        }
    }
}

final class ResponseParts: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias InboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): context.fireChannelRead(wrapInboundOut(.head(head)))
        case .body(let body): context.fireChannelRead(wrapInboundOut(.body(.byteBuffer(body))))
        case .end(let trailers): context.fireChannelRead(wrapInboundOut(.end(trailers)))
        }
    }
}

let server = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 256)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { client in
        let clientRelay = Relay()
        let upstreamRelay = Relay()
        return ClientBootstrap(group: client.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { upstream in
                upstream.eventLoop.makeCompletedFuture {
                    let sync = upstream.pipeline.syncOperations
                    if codecRequests { try sync.addHandler(HTTPRequestEncoder()) }
                    if codecResponses {
                        try sync.addHandler(ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .forwardBytes)))
                        try sync.addHandler(ResponseParts())
                    }
                    try sync.addHandler(upstreamRelay)
                }
            }
            .connect(host: "127.0.0.1", port: upstreamPort)
            .flatMapThrowing { upstream in
                clientRelay.partner = upstream
                upstreamRelay.partner = client
                let sync = client.pipeline.syncOperations
                try sync.addHandler(NIOSSLServerHandler(context: tls))
                if codecResponses { try sync.addHandler(HTTPResponseEncoder()) }
                if codecRequests {
                    try sync.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)))
                    try sync.addHandler(RequestParts())
                }
                try sync.addHandler(clientRelay)
            }
    }
    .bind(host: "127.0.0.1", port: port).wait()
print("proxy-floor listening on \(port) (HTTP codecs on requests: \(codecRequests), responses: \(codecResponses))")
try server.closeFuture.wait()
