import Foundation
import GatehouseCore
import NIOCore
import NIOHTTP1

/// One request/response exchange on a client connection, from head to end.
final class Exchange {
    enum Phase {
        /// Checking access, possibly waiting on a password check or a session lookup.
        case deciding
        /// Reading a small form body the gateway handles itself (login, logout).
        case collectingForm(GatewayPath)
        /// Reading the whole body before its card numbers are replaced (the tenant tokenizes).
        case collectingBody
        /// Waiting for an upstream connection.
        case connecting
        case proxying
        /// The gateway answered itself; remaining body bytes are dropped.
        case responded
    }

    let head: HTTPRequestHead
    let started = NIODeadline.now()
    /// The request target in origin form (`/path?query`), as forwarded.
    var target: String
    /// The target's path, for routing and the access log (never the query).
    var path: String
    var phase: Phase = .deciding
    var clientIP: IPAddress
    /// `clientIP` as text, made once (for a direct client, the connection's peer text).
    let clientIPText: String
    var hostName: String = "-"
    var tenant: TenantAccess?
    var user: User?
    var buffered: [ByteBuffer] = []
    var requestEnded = false
    var requestBodyBytes = 0
    var responseBytes = 0
    var responseStatus: HTTPResponseStatus?
    var responseStarted = false
    var keepAlive: Bool
    var upstream: UpstreamConnection?
    /// True while the request may be replayed on a new upstream connection (no body, pooled connection).
    var retryable = false
    /// When the upstream must have answered by (see `GatewayHandler.startResponseTimeout`).
    var responseDeadline: NIODeadline?
    var form: ByteBuffer?
    /// Whether the request says it carries a body at all (Content-Length > 0 or chunked).
    let hasBody: Bool
    /// How the body is framed towards the upstream (a tokenized body is sent with a length).
    var isChunked: Bool
    /// The transfer codings named by `Transfer-Encoding`, lowercased, parsed once.
    let transferCodings: [String]
    var contentLength: Int?
    /// The whole body, while it is collected for tokenization.
    var body: ByteBuffer?
    /// The request's header fields after tokenization, when a value held a card number.
    var tokenizedHeaders: HTTPHeaders?
    /// Card numbers tokenized and security codes removed in this request: its access log line
    /// carries the count (the audit log has them per second).
    var cardFieldsTokenized = 0
    /// The body was decoded from its Content-Encoding and goes on as identity.
    var bodyDecoded = false
    /// Masks card numbers in the response (the tenant tokenizes and the response is text).
    var responseMasker: (any CardResponseMasking)?
    /// Set when a masked response came compressed: it is decoded before masking and goes on as identity.
    var responseInflater: ResponseInflater?

    init(head: HTTPRequestHead, clientIP: IPAddress, clientIPText: String? = nil) {
        self.head = head
        self.clientIP = clientIP
        self.clientIPText = clientIPText ?? clientIP.description
        target = head.uri
        path = String(head.uri.prefix { $0 != "?" })
        keepAlive = head.isKeepAlive
        transferCodings = GatewayHeaders.codings(head.headers["transfer-encoding"])
        isChunked = transferCodings.last == "chunked"
        contentLength = head.headers.first(name: "content-length").flatMap { Int($0) }
        hasBody = isChunked || (contentLength ?? 0) > 0
    }

    var userLabel: String { user?.qualifiedName ?? "-" }

    /// Adds a part to the body being collected; the first is kept as it came (most bodies arrive in
    /// one read), later ones are appended.
    func appendToBody(_ part: ByteBuffer) {
        if body?.readableBytes ?? 0 == 0 {
            body = part
        } else {
            var part = part
            body!.writeBuffer(&part)
        }
    }
}

/// The gateway's own pages under `/_gatehouse/`.
enum GatewayPath: Equatable {
    case login
    case logout
    /// The admin API's JSON body.
    case admin
}
