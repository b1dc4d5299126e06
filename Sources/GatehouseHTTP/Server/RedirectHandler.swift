import NIOCore
import NIOHTTP1

/// The plain-HTTP listener: every request is redirected to the same URL over HTTPS, and nothing else.
final class RedirectHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let httpsPortSuffix: String
    private var pending: HTTPRequestHead?

    init(httpsPortSuffix: String) {
        self.httpsPortSuffix = httpsPortSuffix
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            pending = head
        case .body:
            break
        case .end:
            guard let head = pending else { return }
            pending = nil
            respond(context: context, head: head)
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        var headers = HTTPHeaders()
        let status: HTTPResponseStatus
        let hosts = head.headers["host"]
        if hosts.count == 1, let host = HostNameOnly.strip(hosts[0]), head.uri.hasPrefix("/") {
            status = head.method == .GET || head.method == .HEAD ? .movedPermanently : .permanentRedirect
            headers.add(name: "location", value: "https://\(host)\(httpsPortSuffix)\(head.uri)")
        } else {
            status = .badRequest
        }
        headers.add(name: "content-length", value: "0")
        headers.add(name: "cache-control", value: "no-store")
        if !head.isKeepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !head.isKeepAlive || status == .badRequest {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}

/// The host part of a Host header, if it is a plain DNS name (no IP literals, no odd characters).
enum HostNameOnly {
    static func strip(_ host: String) -> String? {
        let name = host.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        guard !name.isEmpty, name.utf8.count <= 253,
              name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2E })
        else { return nil }
        return name.lowercased()
    }
}
