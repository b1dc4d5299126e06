import GatehouseCore

/// Masks card numbers for display (PCI DSS 3.4.1: at most the BIN and the last four digits), in
/// place and length-preserving, so a streamed response keeps its Content-Length.
public enum PANMasking {
    /// Replaces every digit of each card number between the first six and the last four with '*'.
    /// Returns how many numbers were masked.
    @discardableResult
    public static func mask(_ bytes: UnsafeMutableRawBufferPointer) -> Int {
        var ranges: [(Range<Int>, Int)] = []
        PANDetector.scan(UnsafeRawBufferPointer(bytes)) { range, digits, _ in ranges.append((range, digits.count)) }
        for (range, count) in ranges {
            var seen = 0
            for position in range where bytes[position] &- 0x30 <= 9 {
                if seen >= 6 && seen < count - 4 { bytes[position] = UInt8(ascii: "*") }
                seen += 1
            }
        }
        return ranges.count
    }

    /// `4111111111111111` → `411111******1111` (and the same for one spelled otherwise, `&#52;111…`).
    public static func masked(_ text: String) -> String {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { _ = mask($0) }
        SpelledPANMasking.mask(&bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Masks card numbers in a stream of chunks: holds back a chunk's trailing digits and separators
/// (a number may continue in the next chunk), so every number is seen whole.
public struct StreamingPANMasker: CardResponseMasking {
    private var carry: [UInt8] = []
    public private(set) var masked = 0
    /// A page a browser lays out: any run of white space between digits shows as one space.
    private let html: Bool

    public init(html: Bool = false) {
        self.html = html
    }

    public func passesUnchanged(_ chunk: UnsafeRawBufferPointer) -> Bool {
        carry.isEmpty && PANDetector.unfinishedTail(chunk) == 0 && !PANDetector.containsPAN(chunk) && !SpelledPANMasking.hasSpelledCardCharacter(chunk, html: html)
    }

    /// Returns the bytes that are final: all of `chunk` but a possibly unfinished number at its end.
    public mutating func process(_ chunk: UnsafeRawBufferPointer) -> [UInt8] {
        var data = carry
        data.append(contentsOf: chunk)
        let cut = data.count - max(data.withUnsafeBytes(PANDetector.unfinishedTail), SpelledPANMasking.unfinishedTail(data, html: html))
        carry = Array(data[cut...])
        data.removeLast(data.count - cut)
        mask(&data)
        return data
    }

    /// The held-back tail, masked, at the end of the stream.
    public mutating func finish() -> [UInt8] {
        var data = carry
        carry = []
        mask(&data)
        return data
    }

    /// Card numbers in ASCII digits, then those spelled otherwise (references, escapes, other digits).
    private mutating func mask(_ data: inout [UInt8]) {
        masked += data.withUnsafeMutableBytes { PANMasking.mask($0) }
        masked += SpelledPANMasking.mask(&data, html: html)
    }
}
