import NIOCore
import NIOHTTP1

/// What made an HTTP/1 message unreadable, as a noun phrase the reader's side prefixes ("the
/// upstream sent …", "the request has …").
struct HTTP1SyntaxError: Error {
    let problem: String
}

/// The grammar both of the gateway's HTTP/1 readers share (RFC 9112): where a head ends, its
/// lines and fields, chunk size lines, and the framing and persistence a head's fields imply.
/// Strict where a lenient reading could make two parsers disagree about where a message ends.
enum HTTP1Syntax {
    /// The most a head (start line and fields) or a trailer section may take.
    static let maxHeadBytes = 64 * 1024

    /// How far a head not yet complete was scanned: a head that arrives in many reads is scanned
    /// once, not again from its start on every read.
    struct HeadScan {
        var scanned = 0
        var lineStart = 0
    }

    /// The length of the head through its empty line (CRLF CRLF, or bare LFs), nil if not all here.
    static func headLength(_ buffer: ByteBuffer, progress: inout HeadScan) -> Int? {
        buffer.withUnsafeReadableBytes { bytes in
            var searchFrom = progress.scanned
            var lineStart = progress.lineStart
            while searchFrom < bytes.count {
                guard let newline = UnsafeRawBufferPointer(rebasing: bytes[searchFrom...]).firstIndex(of: UInt8(ascii: "\n")) else {
                    break
                }
                let end = searchFrom + newline
                // The line just ended is empty ("\n" or "\r\n"), and it is not the start line: the head ends here.
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

    /// One line (without its CRLF or LF) consumed from `buffer`, nil if its end has not arrived.
    static func readLine(_ buffer: inout ByteBuffer, limit: Int, what: String) throws -> ByteBuffer? {
        let found = buffer.withUnsafeReadableBytes { $0.prefix(limit + 2).firstIndex(of: UInt8(ascii: "\n")) }
        guard let newline = found else {
            if buffer.readableBytes > limit + 1 { throw HTTP1SyntaxError(problem: "a \(what) over \(limit) bytes") }
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
                guard digits > 0 else { throw HTTP1SyntaxError(problem: "a chunk size line without a size") }
                return size
            default:
                throw HTTP1SyntaxError(problem: "a chunk size that is not hexadecimal")
            }
            digits += 1
            guard digits <= 15 else { throw HTTP1SyntaxError(problem: "a chunk size too large to be real") }
            size = size << 4 | value
        }
        guard digits > 0 else { throw HTTP1SyntaxError(problem: "a chunk size line without a size") }
        return size
    }

    /// `name: value`, the value without surrounding spaces and tabs.
    static func field(_ line: UnsafeRawBufferPointer) throws -> (String, String) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else {
            if let first = line.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
                throw HTTP1SyntaxError(problem: "a header field folded over lines (obsolete, refused)")
            }
            throw HTTP1SyntaxError(problem: "a header line without a field name")
        }
        for byte in line[..<colon] where !isTokenByte(byte) {
            throw HTTP1SyntaxError(problem: "a header field name with a character not allowed in one")
        }
        var start = colon + 1
        var end = line.count
        while start < end, line[start] == UInt8(ascii: " ") || line[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, line[end - 1] == UInt8(ascii: " ") || line[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        for byte in line[start..<end] where byte < 0x20 && byte != UInt8(ascii: "\t") || byte == 0x7F {
            throw HTTP1SyntaxError(problem: "a control character in a header field value")
        }
        return (
            String(decoding: UnsafeRawBufferPointer(rebasing: line[..<colon]), as: UTF8.self),
            String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
        )
    }

    static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    /// A non-negative decimal without sign or spaces, at most 18 digits.
    static func decimal(_ text: Substring) -> Int? {
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

/// The fields of a head after its start line, with what they say about framing and persistence.
struct HTTP1Fields {
    let headers: HTTPHeaders
    /// The Content-Length, the same value however often it is repeated.
    let contentLength: Int?
    /// Every Transfer-Encoding coding, lowercased, in order.
    let transferCodings: [String]
    let connectionClose: Bool
    let connectionKeepAlive: Bool

    /// Reads fields from `lines` up to the empty line ending the head.
    init(_ lines: inout HTTP1HeadLines) throws {
        var fields: [(String, String)] = []
        var contentLength: Int?
        var transferCodings: [String] = []
        var connectionClose = false
        var connectionKeepAlive = false
        while let line = lines.next(), !line.isEmpty {
            let (name, value) = try HTTP1Syntax.field(line)
            fields.append((name, value))
            switch name.utf8.count {
            case 14 where name.equalsIgnoringASCIICase("content-length"):
                for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let length = HTTP1Syntax.decimal(item.trimmingASCIISpaces) else {
                        throw HTTP1SyntaxError(problem: "an invalid Content-Length")
                    }
                    if let contentLength, contentLength != length {
                        throw HTTP1SyntaxError(problem: "two different Content-Length values")
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
        if !transferCodings.isEmpty, contentLength != nil {
            throw HTTP1SyntaxError(problem: "both Content-Length and Transfer-Encoding")
        }
        headers = HTTPHeaders(fields)
        self.contentLength = contentLength
        self.transferCodings = transferCodings
        self.connectionClose = connectionClose
        self.connectionKeepAlive = connectionKeepAlive
    }

    /// Whether the connection may carry another message after this one (RFC 9112 §9.3).
    func keepAlive(_ version: HTTPVersion) -> Bool {
        !connectionClose && (version.minor >= 1 || connectionKeepAlive)
    }
}

/// The lines of a head, each without its CRLF or LF; a bare CR inside a line stays in it (and is
/// refused where it matters, in a field value or the start line).
struct HTTP1HeadLines {
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
