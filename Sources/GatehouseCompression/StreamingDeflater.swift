import CGatehouseZlib

/// Streaming gzip (or zlib, raw deflate) compression through the system zlib: input in pieces, output in pieces, so a
/// large database is never held whole in memory.
public final class StreamingDeflater {
    public struct Failure: Error {
        public init() {}
    }

    private var stream = z_stream()
    private var output = [UInt8](repeating: 0, count: 256 * 1024)

    public init(level: Int32 = 6, format: ZlibFormat = .gzip) throws {
        guard czlib_deflate_init2(&stream, level, format.windowBits) == Z_OK else { throw Failure() }
    }

    deinit { deflateEnd(&stream) }

    /// Compresses `input`, calling `emit` with each piece of output.
    public func feed(_ input: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let base = input.baseAddress, !input.isEmpty else { return }
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        try run(flush: Z_NO_FLUSH, emit: emit)
    }

    /// Ends the stream (for gzip, the trailer with CRC and length).
    public func finish(emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        stream.next_in = nil
        stream.avail_in = 0
        try run(flush: Z_FINISH, emit: emit)
    }

    private func run(flush: Int32, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        while true {
            var produced = 0
            let status = output.withUnsafeMutableBytes { buffer -> Int32 in
                stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(buffer.count)
                let status = deflate(&stream, flush)
                produced = buffer.count - Int(stream.avail_out)
                return status
            }
            if produced > 0 { try output.withUnsafeBytes { try emit(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) } }
            switch status {
            case Z_STREAM_END: return
            case Z_OK, Z_BUF_ERROR:
                // Done with this input once zlib leaves output space unused.
                if flush != Z_FINISH && stream.avail_in == 0 && produced < output.count { return }
            default: throw Failure()
            }
        }
    }
}
