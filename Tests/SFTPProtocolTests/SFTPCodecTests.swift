import NIOCore
import Testing

@testable import SFTPProtocol

/// The decoder against well-formed, malformed and hostile packets.
struct SFTPCodecTests {
    func decode(_ builder: PacketBuilder) throws(SFTPDecodeError) -> SFTPRequest? {
        var buffer = builder.packet
        return try SFTPDecoder().next(from: &buffer)
    }

    @Test func decodesWhatOpenSSHSends() throws {
        #expect(try decode(PacketBuilder(1).uint32(3)) == .initialize(version: 3))
        #expect(try decode(PacketBuilder(16, id: 7).string(".")) == .realpath(id: 7, path: "."))
        #expect(try decode(PacketBuilder(3, id: 8).string("/a.gz").uint32(1).uint32(0)) == .open(id: 8, path: "/a.gz", flags: .read, attributes: SFTPAttributes()))
        #expect(try decode(PacketBuilder(5, id: 9).bytes([0, 0, 0, 1]).uint64(65_536).uint32(32_768))
            == .read(id: 9, handle: [0, 0, 0, 1], offset: 65_536, length: 32_768))
        #expect(try decode(PacketBuilder(20, id: 10).string("link").string("target")) == .symlink(id: 10, link: "link", target: "target"))
        #expect(try decode(PacketBuilder(200, id: 11).string("limits@openssh.com")) == .extended(id: 11, name: "limits@openssh.com", data: []))
        #expect(try decode(PacketBuilder(99, id: 12)) == .unknown(id: 12, type: 99))
        // Attributes with every field present parse and are skipped where unused.
        let setstat = PacketBuilder(9, id: 13).string("/x").uint32(0x8000_000F).uint64(5).uint32(1).uint32(2).uint32(0o644).uint32(3).uint32(4)
            .uint32(1).string("name").string("value")
        #expect(try decode(setstat) == .setstat(id: 13, path: "/x"))
    }

    @Test func waitsForWholePackets() throws {
        var buffer = PacketBuilder(16, id: 1).string("/").packet
        var partial = buffer.readSlice(length: 6)!
        #expect(try SFTPDecoder().next(from: &partial) == nil)
        #expect(partial.readableBytes == 6)  // nothing consumed
        var two = PacketBuilder(16, id: 1).string("/").packet
        var second = PacketBuilder(17, id: 2).string("/a").packet
        two.writeBuffer(&second)
        #expect(try SFTPDecoder().next(from: &two) == .realpath(id: 1, path: "/"))
        #expect(try SFTPDecoder().next(from: &two) == .stat(id: 2, path: "/a"))
        #expect(two.readableBytes == 0)
    }

    @Test func refusesHostilePackets() {
        var huge = ByteBuffer()
        huge.writeInteger(UInt32(256 * 1024 + 1))
        huge.writeInteger(UInt8(5))
        #expect(throws: SFTPDecodeError.packetTooLarge(256 * 1024 + 1)) { try SFTPDecoder().next(from: &huge) }
        var empty = ByteBuffer()
        empty.writeInteger(UInt32(0))
        #expect(throws: SFTPDecodeError.emptyPacket) { try SFTPDecoder().next(from: &empty) }
        // A string claiming more bytes than the packet has: BAD_MESSAGE for that request id.
        var lying = PacketBuilder(17, id: 4).uint32(1_000_000).packet
        #expect(throws: SFTPDecodeError.badMessage(id: 4, reason: "a string runs past the end of the packet")) { try SFTPDecoder().next(from: &lying) }
        #expect(throws: SFTPDecodeError.badMessage(id: nil, reason: "packet without a request id")) { try self.decode(PacketBuilder(17)) }
        #expect(throws: SFTPDecodeError.self) { try self.decode(PacketBuilder(17, id: 5).string("/a").uint32(9)) }  // trailing bytes
        #expect(throws: SFTPDecodeError.self) { try self.decode(PacketBuilder(17, id: 6).bytes([0xFF, 0xFE])) }  // not UTF-8
    }

    @Test func encodesReplies() {
        var buffer = ByteBuffer()
        SFTPEncoder.encode(.status(id: 3, code: .eof, message: "end"), into: &buffer)
        #expect(buffer.readInteger(as: UInt32.self) == UInt32(buffer.readableBytes))
        #expect(buffer.readInteger(as: UInt8.self) == 101)
        #expect(buffer.readInteger(as: UInt32.self) == 3)
        #expect(buffer.readInteger(as: UInt32.self) == 1)
        var data = ByteBuffer()
        SFTPEncoder.encode(.data(id: 9, bytes: ByteBuffer(bytes: [1, 2, 3])), into: &data)
        #expect(Array(data.readableBytesView) == [0, 0, 0, 12, 103, 0, 0, 0, 9, 0, 0, 0, 3, 1, 2, 3])
    }

    /// Seeded random and mutated packets: the decoder throws or returns, never crashes or hangs,
    /// and the session answers every request that carries an id.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func fuzz(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let valid: [ByteBuffer] = [
            PacketBuilder(16, id: 1).string("/../a").packet, PacketBuilder(3, id: 2).string("/f").uint32(1).uint32(0).packet,
            PacketBuilder(5, id: 3).bytes([0, 0, 0, 1]).uint64(0).uint32(32_768).packet,
            PacketBuilder(9, id: 4).string("/x").uint32(0x8000_000F).uint64(5).uint32(1).uint32(2).uint32(0o644).uint32(3).uint32(4).uint32(1).string("n").string("v").packet,
            PacketBuilder(200, id: 5).string("expand-path@openssh.com").string("~/x").packet,
        ]
        var session = SFTPSession(owner: "acme") { [SFTPFile(name: "f", size: 100, modified: 0)] }
        _ = session.handle(.initialize(version: 3))
        for _ in 0..<2_000 {
            var bytes: [UInt8]
            if random.next() % 2 == 0 {
                bytes = Array(valid[Int(random.next() % UInt64(valid.count))].readableBytesView)
                for _ in 0..<(1 + random.next() % 4) where !bytes.isEmpty {
                    bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                }
                if random.next() % 4 == 0 { bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count + 1)))) }
            } else {
                let length = Int(random.next() % 64)
                bytes = [0, 0, 0, UInt8(length)] + (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            }
            var buffer = ByteBuffer(bytes: bytes)
            do {
                while let request = try SFTPDecoder().next(from: &buffer) {
                    let action = session.handle(request)
                    if request.id != nil, case .close = action { Issue.record("a request with an id closed the session: \(request)") }
                }
            } catch {
                _ = session.handle(error)
            }
        }
        #expect(session.openHandles <= SFTPSession.maxHandles)
    }
}

/// SplitMix64: reproducible fuzz input per seed.
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
