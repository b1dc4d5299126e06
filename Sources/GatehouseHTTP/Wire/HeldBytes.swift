import NIOCore

/// Bytes a reader could not use yet (a head or chunk size line cut by a read), joined to the front
/// of the next read.
struct HeldBytes {
    private var held: ByteBuffer?

    /// `buffer` after whatever was held; nothing is held afterwards.
    mutating func joined(_ buffer: ByteBuffer) -> ByteBuffer {
        guard var held else { return buffer }
        self.held = nil
        var buffer = buffer
        held.writeBuffer(&buffer)
        return held
    }

    /// Keeps what is left of `buffer` for the next read.
    mutating func hold(_ buffer: ByteBuffer) {
        if buffer.readableBytes > 0 { held = buffer }
    }
}
