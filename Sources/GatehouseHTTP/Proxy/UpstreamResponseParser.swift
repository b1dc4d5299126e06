import NIOCore
import NIOHTTP1

/// Reads HTTP/1 responses from an upstream connection, byte for byte and without I/O: the gateway's
/// own decoder, because NIO's (llhttp behind a ByteToMessageHandler, each part boxed through the
/// pipeline) cost more per proxied request than the whole TLS byte relay under it (see
/// Benchmarks/ProxyFloor). Strict where a lenient reading could let one response be taken for
/// another: ambiguous or invalid framing is an error, never a guess.
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
    }

    /// The most a response head (status line and fields) or a trailer section may take.
    static let maxHeadBytes = 64 * 1024

    private enum State {
        /// No request is waiting for an answer: any byte is unsolicited.
        case idle
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
    }

    private var state = State.idle
    private var answersHEAD = false
    private var keepAlive = true
    /// The response's last body byte (or its head, when it has no body) was handed out: its end is
    /// the next event.
    private var endPending = false
    private var trailerBytes = 0
    /// How much of a head not yet complete has been scanned for its end.
    private var headScan = HeadScan()

    /// A request was sent: the next bytes are its response (`HEAD` responses have no body).
    mutating func expectResponse(toHEAD: Bool) {
        state = .head
        headScan = HeadScan()
        answersHEAD = toHEAD
    }

    /// Whether a response is being read (a request is waiting for the rest of it).
    var isReading: Bool {
        if case .idle = state { return false }
        return true
    }

    /// The next event from `buffer`, consuming what it used; nil when more bytes are needed.
    mutating func next(_ buffer: inout ByteBuffer) throws -> Event? {
        if endPending {
            endPending = false
            return .end(keepAlive: keepAlive)
        }
        switch state {
        case .idle:
            guard buffer.readableBytes == 0 else { throw Malformed(description: "the upstream sent bytes no request asked for") }
            return nil
        case .head:
            return try readHead(&buffer)
        case .fixedBody(let remaining):
            guard buffer.readableBytes > 0 else { return nil }
            let piece = buffer.readSlice(length: min(remaining, buffer.readableBytes))!
            if remaining == piece.readableBytes {
                state = .idle
                endPending = true
            } else {
                state = .fixedBody(remaining: remaining - piece.readableBytes)
            }
            return .body(piece)
        case .chunkSize:
            guard let line = try readLine(&buffer, limit: 1024, what: "chunk size line") else { return nil }
            let size = try Self.chunkSize(line)
            if size == 0 {
                state = .trailers
                trailerBytes = 0
            } else {
                state = .chunkData(remaining: size)
            }
            return try next(&buffer)
        case .chunkData(let remaining):
            guard buffer.readableBytes > 0 else { return nil }
            let piece = buffer.readSlice(length: min(remaining, buffer.readableBytes))!
            state = remaining == piece.readableBytes ? .chunkDataEnd : .chunkData(remaining: remaining - piece.readableBytes)
            return .body(piece)
        case .chunkDataEnd:
            guard let line = try readLine(&buffer, limit: 2, what: "chunk end") else { return nil }
            guard line.readableBytes == 0 else { throw Malformed(description: "a chunk of the upstream's body is longer than its size line says") }
            state = .chunkSize
            return try next(&buffer)
        case .trailers:
            // Trailer fields are read and dropped: the gateway forwards none.
            while let line = try readLine(&buffer, limit: 8192, what: "trailer field line") {
                if line.readableBytes == 0 {
                    state = .idle
                    return .end(keepAlive: keepAlive)
                }
                trailerBytes += line.readableBytes + 2
                guard trailerBytes <= Self.maxHeadBytes else {
                    throw Malformed(description: "the upstream's trailer section is over \(Self.maxHeadBytes / 1024) KiB")
                }
            }
            return nil
        case .untilClose:
            guard buffer.readableBytes > 0 else { return nil }
            return .body(buffer.readSlice(length: buffer.readableBytes)!)
        }
    }

    /// The upstream closed the connection: the end of a body read until close, else an error if a
    /// response was being read.
    mutating func inputClosed() throws -> Event? {
        if endPending {
            endPending = false
            return .end(keepAlive: false)
        }
        switch state {
        case .idle: return nil
        case .untilClose:
            state = .idle
            return .end(keepAlive: false)
        default:
            state = .idle
            throw Malformed(description: "the upstream closed the connection before its response was complete")
        }
    }

    // MARK: Head

    private mutating func readHead(_ buffer: inout ByteBuffer) throws -> Event? {
        guard let headLength = Self.headLength(buffer, progress: &headScan) else {
            if buffer.readableBytes > Self.maxHeadBytes {
                throw Malformed(description: "the upstream's response head is over \(Self.maxHeadBytes / 1024) KiB")
            }
            return nil
        }
        guard headLength <= Self.maxHeadBytes else {
            throw Malformed(description: "the upstream's response head is over \(Self.maxHeadBytes / 1024) KiB")
        }
        let parsed = try buffer.withUnsafeReadableBytes { try ParsedHead(UnsafeRawBufferPointer(rebasing: $0[..<headLength])) }
        buffer.moveReaderIndex(forwardBy: headLength)
        let code = parsed.status.code
        if code < 200 && code != 101 {
            state = .head  // an interim response: the final one follows
            return .head(HTTPResponseHead(version: parsed.version, status: parsed.status, headers: parsed.headers))
        }
        keepAlive = parsed.keepAlive
        if answersHEAD || code == 101 || code == 204 || code == 304 {
            state = .idle
            endPending = true
        } else {
            switch parsed.framing {
            case .chunked: state = .chunkSize
            case .length(0):
                state = .idle
                endPending = true
            case .length(let length): state = .fixedBody(remaining: length)
            case .untilClose:
                state = .untilClose
                keepAlive = false
            }
        }
        return .head(HTTPResponseHead(version: parsed.version, status: parsed.status, headers: parsed.headers))
    }

    /// The length of the head through its empty line (CRLF CRLF, or bare LFs), nil if not all here.
    /// `progress` keeps how far a head not yet complete was scanned: a head that arrives in many
    /// reads is scanned once, not again from its start on every read.
    static func headLength(_ buffer: ByteBuffer, progress: inout HeadScan) -> Int? {
        buffer.withUnsafeReadableBytes { bytes in
            var searchFrom = progress.scanned
            var lineStart = progress.lineStart
            while searchFrom < bytes.count {
                guard let newline = UnsafeRawBufferPointer(rebasing: bytes[searchFrom...]).firstIndex(of: UInt8(ascii: "\n")) else {
                    break
                }
                let end = searchFrom + newline
                // The line just ended is empty ("\n" or "\r\n"), and it is not the status line: the head ends here.
                if end > 0, end == lineStart || (end == lineStart + 1 && bytes[lineStart] == UInt8(ascii: "\r")) {
                    progress = HeadScan()
                    return end + 1
                }
                lineStart = end + 1
                searchFrom = lineStart
            }
            progress = HeadScan(scanned: bytes.count, lineStart: lineStart)
            return nil
        }
    }

    struct HeadScan {
        var scanned = 0
        var lineStart = 0
    }

    /// One line (without its CRLF or LF) consumed from `buffer`, nil if its end has not arrived.
    private func readLine(_ buffer: inout ByteBuffer, limit: Int, what: String) throws -> ByteBuffer? {
        let found = buffer.withUnsafeReadableBytes { $0.prefix(limit + 2).firstIndex(of: UInt8(ascii: "\n")) }
        guard let newline = found else {
            if buffer.readableBytes > limit + 1 { throw Malformed(description: "the upstream's \(what) is too long") }
            return nil
        }
        var line = buffer.readSlice(length: newline)!
        buffer.moveReaderIndex(forwardBy: 1)
        if line.readableBytes > 0, line.getInteger(at: line.writerIndex - 1, as: UInt8.self) == UInt8(ascii: "\r") {
            line.moveWriterIndex(to: line.writerIndex - 1)
        }
        return line
    }

    /// A chunk size line: hex digits, then optional extensions (ignored).
    static func chunkSize(_ line: ByteBuffer) throws -> Int {
        var size = 0
        var digits = 0
        for byte in line.readableBytesView {
            let value: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = Int(byte - UInt8(ascii: "A")) + 10
            case UInt8(ascii: ";"), UInt8(ascii: " "), UInt8(ascii: "\t"):
                guard digits > 0 else { throw Malformed(description: "the upstream sent a chunk size line without a size") }
                return size
            default:
                throw Malformed(description: "the upstream sent a chunk size that is not hexadecimal")
            }
            digits += 1
            guard digits <= 15 else { throw Malformed(description: "the upstream sent a chunk size too large to be real") }
            size = size << 4 | value
        }
        guard digits > 0 else { throw Malformed(description: "the upstream sent a chunk size line without a size") }
        return size
    }
}

/// A response head read from bytes: status, fields, and the framing and persistence they imply.
struct ParsedHead {
    enum Framing: Equatable {
        case length(Int)
        case chunked
        case untilClose
    }

    let version: HTTPVersion
    let status: HTTPResponseStatus
    let headers: HTTPHeaders
    let framing: Framing
    let keepAlive: Bool

    typealias Malformed = UpstreamResponseParser.Malformed

    /// `bytes` is the whole head, through its empty line.
    init(_ bytes: UnsafeRawBufferPointer) throws {
        var lines = HeadLines(bytes)
        guard let statusLine = lines.next() else { throw Malformed(description: "the upstream's response has no status line") }
        (version, status) = try Self.statusLine(statusLine)
        var fields: [(String, String)] = []
        var contentLength: Int?
        var transferCodings: [String] = []
        var connectionClose = false
        var connectionKeepAlive = false
        while let line = lines.next(), !line.isEmpty {
            let (name, value) = try Self.field(line)
            fields.append((name, value))
            switch name.utf8.count {
            case 14 where name.equalsIgnoringASCIICase("content-length"):
                for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let length = Self.decimal(item.trimmingASCIISpaces) else {
                        throw Malformed(description: "the upstream sent an invalid Content-Length")
                    }
                    if let contentLength, contentLength != length {
                        throw Malformed(description: "the upstream sent two different Content-Length values")
                    }
                    contentLength = length
                }
            case 17 where name.equalsIgnoringASCIICase("transfer-encoding"):
                transferCodings += GatewayHeaders.codings([value]).filter { !$0.isEmpty }
            case 10 where name.equalsIgnoringASCIICase("connection"):
                for token in value.split(separator: ",") {
                    let token = token.trimmingASCIISpaces
                    if token.equalsIgnoringASCIICase("close") { connectionClose = true }
                    if token.equalsIgnoringASCIICase("keep-alive") { connectionKeepAlive = true }
                }
            default:
                break
            }
        }
        headers = HTTPHeaders(fields)
        if !transferCodings.isEmpty {
            guard contentLength == nil else {
                throw Malformed(description: "the upstream sent both Content-Length and Transfer-Encoding")
            }
            let chunkedCount = transferCodings.filter { $0 == "chunked" }.count
            if transferCodings.last == "chunked" && chunkedCount == 1 {
                framing = .chunked
            } else if chunkedCount == 0 {
                framing = .untilClose
            } else {
                throw Malformed(description: "the upstream's Transfer-Encoding applies chunked other than once, last")
            }
        } else if let contentLength {
            framing = .length(contentLength)
        } else {
            framing = .untilClose
        }
        keepAlive = !connectionClose && (version.minor >= 1 || connectionKeepAlive)
    }

    /// `HTTP/1.x SSS[ reason]`.
    private static func statusLine(_ line: UnsafeRawBufferPointer) throws -> (HTTPVersion, HTTPResponseStatus) {
        let prefix = "HTTP/1.".utf8
        guard line.count >= 12, line.starts(with: prefix), let minor = digit(line[7]), line[8] == UInt8(ascii: " "),
            let hundreds = digit(line[9]), let tens = digit(line[10]), let ones = digit(line[11]), hundreds >= 1,
            line.count == 12 || line[12] == UInt8(ascii: " ")
        else {
            throw Malformed(description: "the upstream's status line is not HTTP/1.x with a three-digit status")
        }
        let reason = line.count > 13 ? String(decoding: UnsafeRawBufferPointer(rebasing: line[13...]), as: UTF8.self) : ""
        let code = hundreds * 100 + tens * 10 + ones
        return (HTTPVersion(major: 1, minor: minor), HTTPResponseStatus(statusCode: code, reasonPhrase: reason))
    }

    /// `name: value`, the value without surrounding spaces and tabs.
    private static func field(_ line: UnsafeRawBufferPointer) throws -> (String, String) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else {
            if let first = line.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
                throw Malformed(description: "the upstream folded a header field over lines (obsolete, refused)")
            }
            throw Malformed(description: "the upstream sent a header line without a field name")
        }
        for byte in line[..<colon] where !isTokenByte(byte) {
            throw Malformed(description: "the upstream sent a header field name with a character not allowed in one")
        }
        var start = colon + 1
        var end = line.count
        while start < end, line[start] == UInt8(ascii: " ") || line[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, line[end - 1] == UInt8(ascii: " ") || line[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        for byte in line[start..<end] where byte < 0x20 && byte != UInt8(ascii: "\t") || byte == 0x7F {
            throw Malformed(description: "the upstream sent a control character in a header field value")
        }
        return (
            String(decoding: UnsafeRawBufferPointer(rebasing: line[..<colon]), as: UTF8.self),
            String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
        )
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    /// A non-negative decimal without sign or spaces, at most 18 digits.
    private static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 18 else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard let digit = digit(byte) else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    /// RFC 9110 §5.6.2 tchar.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}

/// The lines of a head, each without its CRLF or LF; a bare CR inside a line stays in it (and is
/// refused where it matters, in a field value).
private struct HeadLines {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    mutating func next() -> UnsafeRawBufferPointer? {
        guard index < bytes.count,
            let newline = UnsafeRawBufferPointer(rebasing: bytes[index...]).firstIndex(of: UInt8(ascii: "\n"))
        else { return nil }
        let start = index
        var end = index + newline
        index = end + 1
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }
}
