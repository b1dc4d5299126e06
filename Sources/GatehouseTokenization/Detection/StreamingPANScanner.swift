/// Finds card numbers in a stream of chunks with absolute offsets, holding back a chunk's trailing
/// digits and separators so a number split across chunks is seen whole.
public struct StreamingPANScanner: Sendable {
    private var carry: [UInt8] = []
    /// Stream offset of `carry`'s first byte.
    private var carryOffset: Int64 = 0
    public private(set) var bytesScanned: Int64 = 0

    public init() {}

    /// `found` gets each number's stream offset, its masked form (BIN and last four) and brand.
    public mutating func scan(_ chunk: UnsafeRawBufferPointer, found: (Int64, String, CardBrand) -> Void) {
        bytesScanned += Int64(chunk.count)
        guard !chunk.isEmpty else { return }
        let tail = PANDetector.unfinishedTail(chunk)
        if tail == chunk.count && carry.count + tail <= 4 * PANDetector.longestMatch {
            carry.append(contentsOf: chunk)  // all digits: wait for more
            return
        }
        if carry.isEmpty {
            Self.report(UnsafeRawBufferPointer(rebasing: chunk[0..<(chunk.count - tail)]), base: carryOffset, found: found)
        } else {
            var data = carry
            data.append(contentsOf: chunk[0..<(chunk.count - tail)])
            data.withUnsafeBytes { Self.report($0, base: carryOffset, found: found) }
        }
        carryOffset += Int64(carry.count + chunk.count - tail)
        carry = Array(chunk[(chunk.count - tail)...])
    }

    public mutating func finish(found: (Int64, String, CardBrand) -> Void) {
        carry.withUnsafeBytes { Self.report($0, base: carryOffset, found: found) }
        carryOffset += Int64(carry.count)
        carry = []
    }

    private static func report(_ bytes: UnsafeRawBufferPointer, base: Int64, found: (Int64, String, CardBrand) -> Void) {
        PANDetector.scan(bytes) { range, digits, brand in
            found(base + Int64(range.lowerBound), masked(digits), brand)
        }
    }

    static func masked(_ digits: UnsafeBufferPointer<UInt8>) -> String {
        var text = Array(digits)
        for index in 6..<(text.count - 4) { text[index] = UInt8(ascii: "*") }
        return String(decoding: text, as: UTF8.self)
    }
}
