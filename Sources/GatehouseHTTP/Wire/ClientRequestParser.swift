import NIOCore
import NIOHTTP1

/// Reads HTTP/1 requests from a client connection, byte for byte and without I/O, in place of NIO's
/// decoder (see `UpstreamResponseParser` for why). It is the gateway's first line against request
/// smuggling: framing two parsers could read differently (Content-Length with Transfer-Encoding,
/// differing lengths, codings other than chunked, malformed chunks, folded or control-laden fields)
/// is refused, and the connection ends.
struct ClientRequestParser {
    /// Why a request cannot be read: the status and one sentence for the client.
    struct Malformed: Error, CustomStringConvertible {
        let status: HTTPResponseStatus
        let explanation: String

        init(_ status: HTTPResponseStatus = .badRequest, _ explanation: String) {
            self.status = status
            self.explanation = explanation
        }

        init(_ syntax: HTTP1SyntaxError) {
            self.init(.badRequest, "The request has " + syntax.problem + ".")
        }

        var description: String { "\(status.code): \(explanation)" }
    }

    private enum State {
        case head
        case body(HTTP1BodyReader)
    }

    private var state = State.head
    private var headScan = HTTP1Syntax.HeadScan()

    /// The next part from `buffer`, consuming what it used; nil when more bytes are needed.
    mutating func next(_ buffer: inout ByteBuffer) throws -> HTTPServerRequestPart? {
        do {
            switch state {
            case .head:
                return try readHead(&buffer)
            case .body(var reader):
                switch try reader.next(&buffer) {
                case nil:
                    state = .body(reader)
                    return nil
                case .body(let piece):
                    state = .body(reader)
                    return .body(piece)
                case .end:
                    state = .head
                    return .end(nil)
                }
            }
        } catch let error as HTTP1SyntaxError {
            throw Malformed(error)
        }
    }

    private mutating func readHead(_ buffer: inout ByteBuffer) throws -> HTTPServerRequestPart? {
        // Empty lines before a request line are ignored (RFC 9112 §2.2), as after a body some clients send one.
        if headScan.scanned == 0 {
            while let byte = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self), byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") {
                buffer.moveReaderIndex(forwardBy: 1)
            }
            guard buffer.readableBytes > 0 else { return nil }
        }
        let limit = HTTP1Syntax.maxHeadBytes
        guard let headLength = HTTP1Syntax.headLength(buffer, progress: &headScan) else {
            if buffer.readableBytes > limit { throw Malformed(.requestHeaderFieldsTooLarge, "The request head is over \(limit / 1024) KiB.") }
            return nil
        }
        guard headLength <= limit else { throw Malformed(.requestHeaderFieldsTooLarge, "The request head is over \(limit / 1024) KiB.") }
        let (head, fields) = try buffer.withUnsafeReadableBytes { bytes in
            var lines = HTTP1HeadLines(UnsafeRawBufferPointer(rebasing: bytes[..<headLength]))
            let (method, uri, version) = try Self.requestLine(lines.next() ?? UnsafeRawBufferPointer(start: nil, count: 0))
            let fields = try HTTP1Fields(&lines)
            return (HTTPRequestHead(version: version, method: method, uri: uri, headers: fields.headers), fields)
        }
        buffer.moveReaderIndex(forwardBy: headLength)
        if !fields.transferCodings.isEmpty {
            guard head.version.minor >= 1 else {
                throw Malformed(.badRequest, "An HTTP/1.0 request cannot use Transfer-Encoding; send a Content-Length.")
            }
            guard fields.transferCodings == ["chunked"] else {
                throw Malformed(.badRequest, "Only 'Transfer-Encoding: chunked' is accepted.")
            }
            state = .body(HTTP1BodyReader(.chunked))
        } else {
            state = .body(HTTP1BodyReader(.length(fields.contentLength ?? 0)))
        }
        return .head(head)
    }

    /// `METHOD SP request-target SP HTTP/1.x`.
    private static func requestLine(_ line: UnsafeRawBufferPointer) throws -> (HTTPMethod, String, HTTPVersion) {
        let space = UInt8(ascii: " ")
        guard let firstSpace = line.firstIndex(of: space), firstSpace > 0,
            let lastSpace = line.lastIndex(of: space), lastSpace > firstSpace + 1
        else {
            throw Malformed(.badRequest, "The request line must be 'METHOD target HTTP/1.1'.")
        }
        for byte in line[..<firstSpace] where !HTTP1Syntax.isTokenByte(byte) {
            throw Malformed(.badRequest, "The request method has a character not allowed in one.")
        }
        for byte in line[(firstSpace + 1)..<lastSpace] where byte <= 0x20 || byte == 0x7F {
            throw Malformed(.badRequest, "The request target has a space or control character; percent-encode it.")
        }
        let version = UnsafeRawBufferPointer(rebasing: line[(lastSpace + 1)...])
        guard version.count == 8, version.starts(with: "HTTP/".utf8) else {
            throw Malformed(.badRequest, "The request line must end with the protocol version, HTTP/1.1.")
        }
        guard version[5] == UInt8(ascii: "1"), version[6] == UInt8(ascii: "."), let minor = HTTP1Syntax.digit(version[7]), minor <= 1 else {
            throw Malformed(.httpVersionNotSupported, "This gateway speaks HTTP/1.1 and HTTP/1.0 on this connection.")
        }
        let method = String(decoding: UnsafeRawBufferPointer(rebasing: line[..<firstSpace]), as: UTF8.self)
        let target = String(decoding: UnsafeRawBufferPointer(rebasing: line[(firstSpace + 1)..<lastSpace]), as: UTF8.self)
        return (HTTPMethod(rawValue: method), target, HTTPVersion(major: 1, minor: minor))
    }
}
