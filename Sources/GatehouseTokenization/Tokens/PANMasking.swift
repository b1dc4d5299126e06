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
    /// A page a browser lays out: any run of white space between digits shows as one space, until a
    /// preformatted element (`<pre>`, `<textarea>`) opens, whose line breaks show as they are; from
    /// there on white space is read as in text.
    private var html: Bool
    private var preformatted = PreformattedElements()
    /// `passesUnchanged` read the chunk `process` is about to get.
    private var chunkRead = false

    public init(html: Bool = false) {
        self.html = html
    }

    public mutating func passesUnchanged(_ chunk: UnsafeRawBufferPointer) -> Bool {
        notePreformatted(chunk)
        let passes = carry.isEmpty && PANDetector.unfinishedTail(chunk) == 0 && !PANDetector.containsPAN(chunk)
            && !SpelledPANMasking.hasSpelledCardCharacter(chunk, html: html)
        chunkRead = !passes
        return passes
    }

    /// Returns the bytes that are final: all of `chunk` but a possibly unfinished number at its end.
    public mutating func process(_ chunk: UnsafeRawBufferPointer) -> [UInt8] {
        if chunkRead { chunkRead = false } else { notePreformatted(chunk) }
        var data = carry
        data.append(contentsOf: chunk)
        var cut = data.count - max(data.withUnsafeBytes(PANDetector.unfinishedTail), SpelledPANMasking.unfinishedTail(data, html: html))
        cut = Self.cut(data, outsideNumbersAt: cut, html: html)
        carry = Array(data[cut...])
        data.removeLast(data.count - cut)
        mask(&data)
        return data
    }

    private mutating func notePreformatted(_ chunk: UnsafeRawBufferPointer) {
        if html, preformatted.open(in: chunk) { html = false }
    }

    /// The tails held back are at most the longest card number, so in a run of several numbers
    /// (`4111 1111 1111 1111 5555 …`, or on a page, numbers on lines of their own) the cut may fall
    /// inside one that ends before it: the cut moves to that number's start, so it is masked whole
    /// with what follows.
    private static func cut(_ data: [UInt8], outsideNumbersAt cut: Int, html: Bool) -> Int {
        guard cut > 0, cut < data.count else { return cut }
        // Most cuts follow what ends a run (a letter, a cell's tag): only one after a card character,
        // perhaps with white space or inline markup between, may be inside a number.
        var before = InlineMarkup.gapStart(in: data, before: cut)
        if before > 0, data[before - 1] == UInt8(ascii: "-") || data[before - 1] == UInt8(ascii: "+") || data[before - 1] == 0x20 { before -= 1 }
        guard before > 0, SpelledPANMasking.endsWithCardCharacter(data, before: before) else { return cut }
        var cut = cut
        // A number in ASCII digits that crosses the cut starts less than the longest number before it.
        let from = max(0, cut - 2 * PANDetector.longestMatch)
        data.withUnsafeBytes { raw in
            PANDetector.scan(UnsafeRawBufferPointer(rebasing: raw[from...])) { range, _, _ in
                if from + range.lowerBound < cut, from + range.upperBound > cut { cut = from + range.lowerBound }
            }
        }
        if let start = SpelledPANMasking.numberStart(crossing: cut, in: data, html: html) { cut = min(cut, start) }
        return cut
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
