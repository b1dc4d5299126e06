import NIOCore

/// Builds client packets the way OpenSSH's sftp writes them, for feeding the decoder.
struct PacketBuilder {
    var body = ByteBuffer()

    init(_ type: UInt8, id: UInt32? = nil) {
        body.writeInteger(type)
        if let id { body.writeInteger(id) }
    }

    func uint32(_ value: UInt32) -> PacketBuilder {
        var copy = self
        copy.body.writeInteger(value)
        return copy
    }

    func uint64(_ value: UInt64) -> PacketBuilder {
        var copy = self
        copy.body.writeInteger(value)
        return copy
    }

    func string(_ text: String) -> PacketBuilder { bytes(Array(text.utf8)) }

    func bytes(_ bytes: [UInt8]) -> PacketBuilder {
        var copy = self
        copy.body.writeInteger(UInt32(bytes.count))
        copy.body.writeBytes(bytes)
        return copy
    }

    /// Framed: length, then the body.
    var packet: ByteBuffer {
        var framed = ByteBuffer()
        framed.writeInteger(UInt32(body.readableBytes))
        var body = body
        framed.writeBuffer(&body)
        return framed
    }
}
