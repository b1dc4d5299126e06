import NIOCore

/// Chunked framing (RFC 9112 §7.1) for bodies the gateway writes, to upstreams and to clients.
enum HTTP1Chunks {
    /// `body` as one chunk. An empty piece writes nothing (an empty chunk would end the body).
    static func frame(_ body: ByteBuffer, allocator: ByteBufferAllocator, into write: (ByteBuffer) -> Void) {
        guard body.readableBytes > 0 else { return }
        var size = allocator.buffer(capacity: 18)
        size.writeString(String(body.readableBytes, radix: 16))
        size.writeStaticString("\r\n")
        if body.readableBytes <= 4096 {
            // Small pieces are copied into one buffer: one write instead of three.
            var body = body
            size.writeBuffer(&body)
            size.writeStaticString("\r\n")
            write(size)
        } else {
            write(size)
            write(body)
            write(allocator.buffer(staticString: "\r\n"))
        }
    }

    /// The last chunk with an empty trailer section.
    static func last(_ allocator: ByteBufferAllocator) -> ByteBuffer {
        allocator.buffer(staticString: "0\r\n\r\n")
    }
}
