import NIOCore
import NIOHTTP1

/// Reads HTTP/1 responses from an upstream connection, byte for byte and without I/O: the gateway's
/// own decoder, because NIO's (llhttp behind a ByteToMessageHandler, each part boxed through the
/// pipeline) cost more per proxied request than the whole TLS byte relay under it (see
/// Benchmarks/ProxyFloor). Ambiguous or invalid framing is an error, never a guess.
struct UpstreamResponseParser {
    enum Event {
        /// A response head; interim (1xx) heads are followed by the final one.
        case head(HTTPResponseHead)
        /// A piece of the body, as it arrived (a slice of the read, not a copy).
        case body(ByteBuffer)
        /// The response is complete; `keepAlive` says whether the connection may carry another.
        case end(keepAlive: Bool)
    }

    /// What made a response unreadable; the upstream connection is closed and the client gets a 502
    /// (or, mid-body, a closed connection).
    struct Malformed: Error, CustomStringConvertible {
        let description: String

        init(_ problem: String) {
            description = "the upstream sent " + problem
        }
    }

    private enum State {
        /// No request is waiting for an answer: any byte is unsolicited.
        case idle
        case head
        case body(HTTP1BodyReader)
    }

    private var state = State.idle
    private var answersHEAD = false
    private var keepAlive = true
    private var headScan = HTTP1Syntax.HeadScan()

    /// A request was sent: the next bytes are its response (`HEAD` responses have no body).
    mutating func expectResponse(toHEAD: Bool) {
        state = .head
        answersHEAD = toHEAD
        headScan = HTTP1Syntax.HeadScan()
    }

    /// The next event from `buffer`, consuming what it used; nil when more bytes are needed.
    mutating func next(_ buffer: inout ByteBuffer) throws -> Event? {
        do {
            switch state {
            case .idle:
                guard buffer.readableBytes == 0 else { throw Malformed("bytes no request asked for") }
                return nil
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
                    state = .idle
                    return .end(keepAlive: keepAlive)
                }
            }
        } catch let error as HTTP1SyntaxError {
            throw Malformed(error.problem)
        }
    }

    /// The upstream closed the connection: the end of a body read until close, else an error if a
    /// response was being read.
    mutating func inputClosed() throws -> Event? {
        switch state {
        case .idle:
            return nil
        case .body(let reader) where reader.readsUntilClose:
            state = .idle
            return .end(keepAlive: false)
        default:
            state = .idle
            throw Malformed("a response cut off: it closed the connection before the response was complete")
        }
    }

    private mutating func readHead(_ buffer: inout ByteBuffer) throws -> Event? {
        let limit = HTTP1Syntax.maxHeadBytes
        guard let headLength = HTTP1Syntax.headLength(buffer, progress: &headScan) else {
            if buffer.readableBytes > limit { throw Malformed("a response head over \(limit / 1024) KiB") }
            return nil
        }
        guard headLength <= limit else { throw Malformed("a response head over \(limit / 1024) KiB") }
        let (head, fields) = try buffer.withUnsafeReadableBytes { bytes in
            var lines = HTTP1HeadLines(UnsafeRawBufferPointer(rebasing: bytes[..<headLength]))
            guard let statusLine = lines.next() else { throw Malformed("a response without a status line") }
            let (version, status) = try Self.statusLine(statusLine)
            let fields = try HTTP1Fields(&lines)
            return (HTTPResponseHead(version: version, status: status, headers: fields.headers), fields)
        }
        buffer.moveReaderIndex(forwardBy: headLength)
        let code = head.status.code
        if code < 200 && code != 101 { return .head(head) }  // interim: the final response follows
        keepAlive = fields.keepAlive(head.version)
        if answersHEAD || code == 101 || code == 204 || code == 304 {
            state = .body(.empty)
        } else if !fields.transferCodings.isEmpty {
            let chunked = fields.transferCodings.filter { $0 == "chunked" }.count
            if fields.transferCodings.last == "chunked" && chunked == 1 {
                state = .body(HTTP1BodyReader(.chunked))
            } else if chunked == 0 {
                state = .body(HTTP1BodyReader(.untilClose))
                keepAlive = false
            } else {
                throw Malformed("a Transfer-Encoding that applies chunked other than once, last")
            }
        } else if let length = fields.contentLength {
            state = .body(HTTP1BodyReader(.length(length)))
        } else {
            state = .body(HTTP1BodyReader(.untilClose))
            keepAlive = false
        }
        return .head(head)
    }

    /// `HTTP/1.x SSS[ reason]`.
    private static func statusLine(_ line: UnsafeRawBufferPointer) throws -> (HTTPVersion, HTTPResponseStatus) {
        guard line.count >= 12, line.starts(with: "HTTP/1.".utf8), let minor = HTTP1Syntax.digit(line[7]), line[8] == UInt8(ascii: " "),
            let hundreds = HTTP1Syntax.digit(line[9]), let tens = HTTP1Syntax.digit(line[10]), let ones = HTTP1Syntax.digit(line[11]),
            hundreds >= 1, line.count == 12 || line[12] == UInt8(ascii: " ")
        else {
            throw Malformed("a status line that is not HTTP/1.x with a three-digit status")
        }
        let reason = line.count > 13 ? String(decoding: UnsafeRawBufferPointer(rebasing: line[13...]), as: UTF8.self) : ""
        let code = hundreds * 100 + tens * 10 + ones
        return (HTTPVersion(major: 1, minor: minor), HTTPResponseStatus(statusCode: code, reasonPhrase: reason))
    }
}
