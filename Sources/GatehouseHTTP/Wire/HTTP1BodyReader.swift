import NIOCore

/// Reads one message body as its framing says, handing out pieces as they arrive (slices of the
/// read, not copies), for both of the gateway's HTTP/1 readers.
struct HTTP1BodyReader {
    enum Framing: Equatable {
        case length(Int)
        case chunked
        /// The body ends when the connection does (responses only).
        case untilClose
    }

    enum Step {
        case body(ByteBuffer)
        case end
    }

    private enum State {
        case done
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(bytes: Int)
        case untilClose
    }

    private var state: State

    init(_ framing: Framing) {
        switch framing {
        case .length(0): state = .done
        case .length(let length): state = .fixed(remaining: length)
        case .chunked: state = .chunkSize
        case .untilClose: state = .untilClose
        }
    }

    /// The body has no bytes still to come (only its end to report).
    static let empty = HTTP1BodyReader(.length(0))

    var readsUntilClose: Bool {
        if case .untilClose = state { return true }
        return false
    }

    /// The next piece or the end; nil when more bytes are needed.
    mutating func next(_ buffer: inout ByteBuffer) throws -> Step? {
        while true {
            switch state {
            case .done:
                return .end
            case .fixed(let remaining):
                guard buffer.readableBytes > 0 else { return nil }
                let piece = buffer.readSlice(length: min(remaining, buffer.readableBytes))!
                state = remaining == piece.readableBytes ? .done : .fixed(remaining: remaining - piece.readableBytes)
                return .body(piece)
            case .chunkSize:
                guard let line = try HTTP1Syntax.readLine(&buffer, limit: 1024, what: "chunk size line") else { return nil }
                let size = try HTTP1Syntax.chunkSize(line)
                state = size == 0 ? .trailers(bytes: 0) : .chunkData(remaining: size)
            case .chunkData(let remaining):
                guard buffer.readableBytes > 0 else { return nil }
                let piece = buffer.readSlice(length: min(remaining, buffer.readableBytes))!
                state = remaining == piece.readableBytes ? .chunkDataEnd : .chunkData(remaining: remaining - piece.readableBytes)
                return .body(piece)
            case .chunkDataEnd:
                guard let line = try HTTP1Syntax.readLine(&buffer, limit: 2, what: "chunk end") else { return nil }
                guard line.readableBytes == 0 else { throw HTTP1SyntaxError(problem: "a chunk longer than its size line says") }
                state = .chunkSize
            case .trailers(let bytes):
                // Trailer fields are read and dropped: the gateway forwards none.
                guard let line = try HTTP1Syntax.readLine(&buffer, limit: 8192, what: "trailer field line") else { return nil }
                if line.readableBytes == 0 {
                    state = .done
                    return .end
                }
                let total = bytes + line.readableBytes + 2
                guard total <= HTTP1Syntax.maxHeadBytes else {
                    throw HTTP1SyntaxError(problem: "a trailer section over \(HTTP1Syntax.maxHeadBytes / 1024) KiB")
                }
                state = .trailers(bytes: total)
            case .untilClose:
                guard buffer.readableBytes > 0 else { return nil }
                return .body(buffer.readSlice(length: buffer.readableBytes)!)
            }
        }
    }
}
