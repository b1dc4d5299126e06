import CGatehouseZlib

/// Streaming zlib inflate, for scanning and verifying: gzip files member after member, and raw deflate ZIP entries.
/// Output is handed over in pieces; nothing is held whole in memory.
public final class StreamingInflater {
    public typealias Format = ZlibFormat

    public struct Corrupt: Error {
        public init() {}
    }

    private var stream = z_stream()
    private let format: Format
    private var output: [UInt8]
    private(set) var finished = false
    /// How many streams (gzip members) came to their end, and how many input bytes were read: a
    /// scanner moves on past what one stream took.
    public private(set) var streamsEnded = 0
    public private(set) var consumed = 0
    /// The input read up to the end of the last stream that ended (zlib reads a little past it).
    public private(set) var consumedThroughLastEnd = 0

    /// `outputSize`: the most output handed to `emit` at once (large for files, small for a proxied response).
    public init(_ format: Format, outputSize: Int = 256 * 1024) throws {
        self.format = format
        output = [UInt8](repeating: 0, count: outputSize)
        guard czlib_inflate_init2(&stream, format.windowBits) == Z_OK else { throw Corrupt() }
    }

    deinit { inflateEnd(&stream) }

    /// At the end of the input: a stream cut off in the middle is corrupt (truncated).
    public func end() throws {
        guard finished else { throw Corrupt() }
    }

    /// Inflates `input`, calling `emit` with each piece of output.
    public func feed(_ input: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        // zlib counts input in 32 bits: larger input goes in parts.
        if input.count > Int(UInt32.max) {
            var start = 0
            while start < input.count {
                let end = min(input.count, start + Int(UInt32.max))
                try feed(UnsafeRawBufferPointer(rebasing: input[start..<end]), emit: emit)
                start = end
            }
            return
        }
        guard let base = input.baseAddress, !input.isEmpty else { return }
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        defer { consumed += input.count - Int(stream.avail_in) }
        while stream.avail_in > 0 {
            if finished {
                // Another gzip member follows; zlib and raw deflate end at their first stream end.
                guard format == .gzip else { return }
                guard inflateReset(&stream) == Z_OK else { throw Corrupt() }
                finished = false
            }
            let status = try output.withUnsafeMutableBytes { buffer -> Int32 in
                stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(buffer.count)
                let status = inflate(&stream, Z_NO_FLUSH)
                let produced = buffer.count - Int(stream.avail_out)
                if produced > 0 { try emit(UnsafeRawBufferPointer(rebasing: buffer[0..<produced])) }
                return status
            }
            switch status {
            case Z_STREAM_END:
                finished = true
                streamsEnded += 1
                consumedThroughLastEnd = consumed + input.count - Int(stream.avail_in)
            case Z_OK: continue
            case Z_BUF_ERROR where stream.avail_in == 0: return
            default: throw Corrupt()
            }
        }
    }
}

/// The three framings of deflate data zlib reads and writes.
public enum ZlibFormat: Sendable {
    /// gzip (RFC 1952), possibly several members one after another (as `cat a.gz b.gz` makes).
    case gzip
    /// zlib-wrapped deflate (RFC 1950): HTTP's `deflate` coding.
    case zlib
    /// Raw deflate (RFC 1951), as ZIP stores it and some servers send for `deflate`.
    case raw

    var windowBits: Int32 {
        switch self {
        case .gzip: 15 + 16
        case .zlib: 15
        case .raw: -15
        }
    }

    /// HTTP's `deflate` is zlib-wrapped, but some servers send raw deflate: a zlib header is two bytes
    /// whose first names deflate (CM 8) and which together are a multiple of 31 (RFC 1950 §2.2).
    public static func ofDeflate(startingWith first: UInt8, _ second: UInt8) -> ZlibFormat {
        first & 0x0F == 8 && (UInt16(first) << 8 | UInt16(second)) % 31 == 0 ? .zlib : .raw
    }
}
