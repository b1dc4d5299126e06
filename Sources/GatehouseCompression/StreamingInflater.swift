import CGatehouseZlib

/// Streaming zlib inflate, for scanning and verifying: gzip files member after member, and raw deflate ZIP entries.
/// Output is handed over in pieces; nothing is held whole in memory.
public final class StreamingInflater {
    public enum Format: Sendable {
        /// gzip, possibly several members one after another (as `cat a.gz b.gz` makes).
        case gzip
        /// Raw deflate, as ZIP stores it.
        case raw
    }

    public struct Corrupt: Error {
        public init() {}
    }

    private var stream = z_stream()
    private let format: Format
    private var output = [UInt8](repeating: 0, count: 256 * 1024)
    private(set) var finished = false

    public init(_ format: Format) throws {
        self.format = format
        guard czlib_inflate_init2(&stream, format == .gzip ? 15 + 16 : -15) == Z_OK else { throw Corrupt() }
    }

    deinit { inflateEnd(&stream) }

    /// At the end of the input: a stream cut off in the middle is corrupt (truncated).
    public func end() throws {
        guard finished else { throw Corrupt() }
    }

    /// Inflates `input`, calling `emit` with each piece of output.
    public func feed(_ input: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) throws {
        guard let base = input.baseAddress, !input.isEmpty else { return }
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        while stream.avail_in > 0 {
            if finished {
                // Another gzip member follows; raw deflate ends at its first stream end.
                guard format == .gzip else { return }
                guard inflateReset(&stream) == Z_OK else { throw Corrupt() }
                finished = false
            }
            let status = output.withUnsafeMutableBytes { buffer -> Int32 in
                stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(buffer.count)
                let status = inflate(&stream, Z_NO_FLUSH)
                let produced = buffer.count - Int(stream.avail_out)
                if produced > 0 { emit(UnsafeRawBufferPointer(rebasing: buffer[0..<produced])) }
                return status
            }
            switch status {
            case Z_STREAM_END: finished = true
            case Z_OK: continue
            case Z_BUF_ERROR where stream.avail_in == 0: return
            default: throw Corrupt()
            }
        }
    }
}
