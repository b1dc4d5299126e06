import GatehouseCompression
import NIOHTTP1

/// The content coding of an upstream's response. A tokenizing tenant's upstream is asked for
/// identity but may compress text anyway; such a response is decoded as it streams, so card numbers
/// in it can be masked, and a coding the gateway cannot decode is not forwarded at all.
enum ResponseCoding: Equatable {
    case identity
    case gzip
    case deflate
    case undecodable(String)

    init(_ headers: HTTPHeaders) {
        let codings = GatewayHeaders.codings(headers["content-encoding"]).filter { !$0.isEmpty && $0 != "identity" && $0 != "none" }
        switch (codings.count, codings.first) {
        case (0, _): self = .identity
        case (1, "gzip"), (1, "x-gzip"): self = .gzip
        case (1, "deflate"): self = .deflate
        default: self = .undecodable(codings.joined(separator: ", "))
        }
    }

    /// The coding's name as responses spell it.
    var name: String {
        switch self {
        case .identity: "identity"
        case .gzip: "gzip"
        case .deflate: "deflate"
        case .undecodable(let name): name
        }
    }
}

/// Inflates a compressed response body as it streams. For `deflate` the framing (zlib or raw) is
/// read from the first two bytes, which may arrive in different chunks.
final class ResponseInflater {
    struct Corrupt: Error {}
    /// More output from one piece of input than `piecePlainLimit`: a decompression bomb, not a page.
    struct TooExpanded: Error {}

    /// Decoded output is queued for the client before the next upstream read is paused, so what one
    /// piece of input may give is bounded (an upstream read is at most 64 KiB: 256:1), and so is the
    /// whole body's ratio (beyond any real text, with room for small bodies).
    static let piecePlainLimit = 16 * 1024 * 1024
    static let ratioLimit = 256
    static let ratioAllowance = 1024 * 1024

    private var compressedBytes = 0
    private var plainBytes = 0

    /// Made up front for gzip; for deflate once its first two bytes are here.
    private var inflater: StreamingInflater?
    private var firstByte: UInt8?

    init(_ coding: ResponseCoding) throws {
        if coding == .gzip { inflater = try StreamingInflater(.gzip, outputSize: 16 * 1024) }
    }

    /// Inflates `input`, calling `emit` with each piece of output.
    func feed(_ input: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) throws {
        compressedBytes += input.count
        let plainLimit = min(plainBytes + Self.piecePlainLimit, Self.ratioLimit * compressedBytes + Self.ratioAllowance)
        var expanded = false
        try inflate(input) { piece in
            plainBytes += piece.count
            if plainBytes > plainLimit { expanded = true }
            if !expanded { emit(piece) }
        }
        if expanded { throw TooExpanded() }
    }

    private func inflate(_ input: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) throws {
        guard !input.isEmpty else { return }
        if let inflater {
            try inflater.feed(input, emit: emit)
            return
        }
        guard let first = firstByte else {
            firstByte = input[0]
            try inflate(UnsafeRawBufferPointer(rebasing: input.dropFirst()), emit: emit)
            return
        }
        let made = try StreamingInflater(ZlibFormat.ofDeflate(startingWith: first, input[0]), outputSize: 16 * 1024)
        inflater = made
        try withUnsafeBytes(of: first) { try made.feed($0, emit: emit) }
        try made.feed(input, emit: emit)
    }

    /// At the end of the body: a stream cut off in the middle is corrupt. An empty body is not.
    func finish() throws {
        guard compressedBytes > 0 else { return }
        if let inflater {
            try inflater.end()
        } else if firstByte != nil {
            throw Corrupt()
        }
    }
}
