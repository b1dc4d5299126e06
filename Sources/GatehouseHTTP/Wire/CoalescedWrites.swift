import NIOCore

/// Writes held back and joined until the next flush. Every write is a trip through the pipeline,
/// and on a TLS connection a record of its own (NIOSSL encrypts each write apart), so a response
/// head and a small body sent as two writes cost two records where one will do. Nothing is held
/// past a flush, and a joined buffer stays within one TLS record's 16 KiB.
struct CoalescedWrites {
    /// The most plaintext one TLS record carries.
    static let limit = 16 * 1024

    private var held: ByteBuffer?

    /// Adds `buffer` to what is held, or hands what must go now, in order, to `write`.
    mutating func add(_ buffer: ByteBuffer, write: (ByteBuffer) -> Void) {
        guard buffer.readableBytes > 0 else { return }
        if held != nil {
            if held!.readableBytes + buffer.readableBytes <= Self.limit {
                var buffer = buffer
                held!.writeBuffer(&buffer)
                return
            }
            write(held!)
            held = nil
        }
        if buffer.readableBytes < Self.limit {
            held = buffer
        } else {
            write(buffer)
        }
    }

    /// What is held, now to be written (before a flush); nil when nothing is.
    mutating func take() -> ByteBuffer? {
        defer { held = nil }
        return held
    }
}
