import NIOCore
import NIOHTTP1

/// Writes proxied requests as HTTP/1.1 bytes, the other half of the gateway's own upstream codec
/// (see `UpstreamResponseParser`). Framing is what the head says: the gateway always sets it,
/// `Transfer-Encoding: chunked` or `Content-Length` (or neither, for no body), never a guess.
struct UpstreamRequestEncoder {
    private var chunked = false

    /// The head as bytes. Field values were parsed from the client (which refuses CR, LF and NUL in
    /// them) or built from validated Core types, so they are not checked again here.
    mutating func encode(method: HTTPMethod, uri: String, fields: FieldList, allocator: ByteBufferAllocator) -> ByteBuffer {
        chunked = false
        var buffer = allocator.buffer(capacity: 64 + uri.utf8.count + fields.count * 48)
        buffer.writeString(method.rawValue)
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(uri)
        buffer.writeStaticString(" HTTP/1.1\r\n")
        for field in fields.fields {
            buffer.writeString(field.name)
            buffer.writeStaticString(": ")
            buffer.writeString(field.value)
            buffer.writeStaticString("\r\n")
            if field.name.utf8.count == 17, field.name.equalsIgnoringASCIICase("transfer-encoding") { chunked = true }
        }
        buffer.writeStaticString("\r\n")
        return buffer
    }

    mutating func encode(_ head: HTTPRequestHead, allocator: ByteBufferAllocator) -> ByteBuffer {
        encode(method: head.method, uri: head.uri, fields: FieldList(head.headers), allocator: allocator)
    }

    /// A piece of the body: as it is, or as one chunk.
    func encodeBody(_ body: ByteBuffer, allocator: ByteBufferAllocator, into write: (ByteBuffer) -> Void) {
        if chunked {
            HTTP1Chunks.frame(body, allocator: allocator, into: write)
        } else if body.readableBytes > 0 {
            write(body)
        }
    }

    /// The end of the body: the last chunk when chunked, else nothing.
    func encodeEnd(allocator: ByteBufferAllocator) -> ByteBuffer? {
        chunked ? HTTP1Chunks.last(allocator) : nil
    }
}
