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
    /// A page a browser lays out: any run of white space between digits shows as one space, except
    /// inside a preformatted element (`<pre>`, `<textarea>`), whose line breaks show as they are.
    private let page: Bool
    /// How white space is read now: as on a page, or (in text, or inside such an element) as it is.
    private var html: Bool
    private var preformatted = PreformattedElements()
    /// `passesUnchanged` read the chunk `process` is about to get, and where the reading switches in it.
    private var chunkRead = false
    private var switches: [Int] = []

    public init(html: Bool = false) {
        self.page = html
        self.html = html
    }

    public mutating func passesUnchanged(_ chunk: UnsafeRawBufferPointer) -> Bool {
        switches = page ? preformatted.switches(in: chunk) : []
        let passes = switches.isEmpty && carry.isEmpty && PANDetector.unfinishedTail(chunk) == 0 && !PANDetector.containsPAN(chunk)
            && !SpelledPANMasking.hasSpelledCardCharacter(chunk, html: html)
        chunkRead = !passes
        return passes
    }

    /// Returns the bytes that are final: all of `chunk` but a possibly unfinished number at its end.
    public mutating func process(_ chunk: UnsafeRawBufferPointer) -> [UInt8] {
        let switches = chunkRead ? self.switches : page ? preformatted.switches(in: chunk) : []
        chunkRead = false
        self.switches = []
        guard !switches.isEmpty else { return processPart(chunk) }
        var output: [UInt8] = []
        var start = 0
        for at in switches {
            // The '<' of the tag that switches ends any number before it, so that part is masked whole
            // (held-back tail included), as it reads before the switch.
            output += flush(UnsafeRawBufferPointer(rebasing: chunk[start..<at]))
            html.toggle()
            start = at
        }
        return output + processPart(UnsafeRawBufferPointer(rebasing: chunk[start...]))
    }

    private mutating func processPart(_ chunk: UnsafeRawBufferPointer) -> [UInt8] {
        var data = carry
        data.append(contentsOf: chunk)
        var cut = data.count - max(data.withUnsafeBytes(PANDetector.unfinishedTail), SpelledPANMasking.unfinishedTail(data, html: html))
        cut = Self.cut(data, outsideNumbersAt: cut)
        carry = Array(data[cut...])
        data.removeLast(data.count - cut)
        mask(&data)
        return data
    }

    /// The ASCII tail held back is at most the longest card number, so in a run of several numbers
    /// (`4111 1111 1111 1111 5555 …`) the cut may fall inside one that ends before it: the cut moves
    /// to that number's start, so it is masked whole with what follows. (The spelled tail does the
    /// same for numbers spelled otherwise or on lines of their own.)
    private static func cut(_ data: [UInt8], outsideNumbersAt cut: Int) -> Int {
        guard cut > 0, cut < data.count else { return cut }
        var cut = cut
        // In ASCII digits: read from the start of the run of digits and separators the cut is in (as
        // the whole text is read, so groups pair up alike).
        var from = cut
        while from > 0, cut - from < 8192, PANDetector.isNumberByte(data[from - 1]) { from -= 1 }
        data.withUnsafeBytes { raw in
            PANDetector.scan(UnsafeRawBufferPointer(rebasing: raw[from...])) { range, _, _ in
                if from + range.lowerBound < cut, from + range.upperBound > cut { cut = from + range.lowerBound }
            }
        }
        return cut
    }

    /// The held-back tail, masked, at the end of the stream.
    public mutating func finish() -> [UInt8] {
        flush(UnsafeRawBufferPointer(start: nil, count: 0))
    }

    /// The held-back tail and `bytes`, masked whole: nothing after them continues a number.
    private mutating func flush(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var data = carry
        carry = []
        data.append(contentsOf: bytes)
        mask(&data)
        return data
    }

    /// Card numbers in ASCII digits, then those spelled otherwise (references, escapes, other digits).
    private mutating func mask(_ data: inout [UInt8]) {
        masked += data.withUnsafeMutableBytes { PANMasking.mask($0) }
        masked += SpelledPANMasking.mask(&data, html: html)
    }
}
