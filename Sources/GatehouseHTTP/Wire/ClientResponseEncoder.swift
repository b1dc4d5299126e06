import NIOCore
import NIOHTTP1

/// Writes responses to a client as HTTP/1 bytes, in place of NIO's encoder. Framing follows the
/// status and fields: no body for 1xx, 204 and 304 (and none sent for HEAD); a Content-Length
/// when the head has one; otherwise chunked for HTTP/1.1, and for HTTP/1.0 the body ends with the
/// connection (the gateway then says `Connection: close`). Any Transfer-Encoding the head carries
/// is replaced by the gateway's own.
struct ClientResponseEncoder {
    private var chunked = false
    private var suppressBody = false

    /// The head as bytes, in the client's HTTP version. Field values come from parsed upstream
    /// responses (which refuse CR, LF and NUL) or from the gateway's own constants.
    mutating func encodeHead(_ head: HTTPResponseHead, toHEAD: Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        encodeHead(version: head.version, status: head.status, fields: FieldList(head.headers), toHEAD: toHEAD, allocator: allocator)
    }

    mutating func encodeHead(
        version: HTTPVersion, status: HTTPResponseStatus, fields: FieldList, toHEAD: Bool, allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        let code = Int(status.code)
        var buffer = allocator.buffer(capacity: 96 + fields.count * 48)
        buffer.writeStaticString(version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        buffer.writeString(String(code))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(status.reasonPhrase)
        buffer.writeStaticString("\r\n")
        let interim = code < 200
        let hasBody = !interim && code != 204 && code != 304
        var hasLength = false
        for field in fields.fields {
            let name = field.name
            let count = name.utf8.count
            if !interim {
                if count == 17, name.equalsIgnoringASCIICase("transfer-encoding") { continue }
                if count == 14, name.equalsIgnoringASCIICase("content-length") {
                    guard hasBody else { continue }
                    hasLength = true
                }
            }
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(field.value)
            buffer.writeStaticString("\r\n")
        }
        let chunks = hasBody && !hasLength && version.minor >= 1
        if chunks { buffer.writeStaticString("transfer-encoding: chunked\r\n") }
        buffer.writeStaticString("\r\n")
        if !interim {
            suppressBody = toHEAD || !hasBody
            chunked = chunks && !suppressBody
        }
        return buffer
    }

    /// A piece of the body, framed as the head said (nothing for a response without a body).
    func encodeBody(_ body: ByteBuffer, allocator: ByteBufferAllocator, into write: (ByteBuffer) -> Void) {
        if suppressBody { return }
        if chunked {
            HTTP1Chunks.frame(body, allocator: allocator, into: write)
        } else if body.readableBytes > 0 {
            write(body)
        }
    }

    /// The end of the body: the last chunk when chunked, else an empty buffer (a write to hang the
    /// response's completion on).
    mutating func encodeEnd(allocator: ByteBufferAllocator) -> ByteBuffer {
        defer {
            chunked = false
            suppressBody = false
        }
        return chunked ? HTTP1Chunks.last(allocator) : allocator.buffer(capacity: 0)
    }
}
