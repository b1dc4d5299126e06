import CompressNIO
import NIOCore

/// Undoes a request's Content-Encoding so its body can be scanned; the result is forwarded as
/// identity. Only gzip and deflate are understood: anything else cannot be scanned, so it is refused.
enum RequestBodyDecoding {
    enum Failure: Error, Equatable {
        case unsupported(String)
        case corrupt(String)
        case tooLarge
    }

    /// Nil when the body has no (or identity) coding.
    static func decode(_ body: ByteBuffer, contentEncoding: [String], limit: Int) throws(Failure) -> ByteBuffer? {
        let codings = GatewayHeaders.codings(contentEncoding).filter { $0 != "identity" && !$0.isEmpty }
        guard let coding = codings.first else { return nil }
        guard codings.count == 1 else { throw .unsupported(codings.joined(separator: ", ")) }
        var input = body
        do {
            switch coding {
            case "gzip", "x-gzip":
                // A gzip file may hold several members one after another (RFC 1952 §2.2): all are read,
                // none is forwarded unscanned or silently dropped.
                var output = try input.decompress(with: .gzip(), maxSize: limit)
                while input.readableBytes > 0 {
                    var member = try input.decompress(with: .gzip(), maxSize: limit - output.readableBytes)
                    output.writeBuffer(&member)
                }
                return output
            case "deflate":
                // RFC 9110 deflate is zlib-wrapped; some clients send raw deflate.
                do { return try input.decompress(with: .zlib(), maxSize: limit) } catch {
                    input = body
                    return try input.decompress(with: .deflate(), maxSize: limit)
                }
            default:
                throw Failure.unsupported(coding)
            }
        } catch let failure as Failure {
            throw failure
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw .tooLarge
        } catch {
            throw .corrupt(coding)
        }
    }
}
