/// Notices, in a page streamed in chunks, the opening tag of an element whose white space shows as it
/// is (`<pre>`, `<textarea>`, `<listing>`, `<xmp>`, `<plaintext>`): a list of codes on lines of their
/// own there is not one number, and a form's textarea must not be changed. A tag cut between two
/// chunks is seen whole.
struct PreformattedElements {
    /// The end of the chunk before (a tag's first bytes).
    private var previousEnd: [UInt8] = []

    /// `plaintext`.
    private static let longestName = 9

    /// Where such an element first opens in `chunk`: 0 when its tag began in the chunk before; nil when
    /// none does. Each chunk is read once, in order.
    mutating func opening(in chunk: UnsafeRawBufferPointer) -> Int? {
        let joined = previousEnd + chunk.prefix(Self.longestName + 1)
        let acrossCut = joined.withUnsafeBytes { Self.firstOpening($0) }.map { $0 < previousEnd.count }
        previousEnd = Array((previousEnd + chunk).suffix(Self.longestName + 1))
        if acrossCut == true { return 0 }
        return Self.firstOpening(chunk)
    }

    private static func firstOpening(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let raw = bytes.baseAddress else { return nil }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        var index = 0
        // A word at a time: only a '<' before p, t, x or l (either case) starts one of the names.
        while index + 9 <= bytes.count {
            let opens = ByteLanes.equal(ByteLanes.load(base + index), to: UInt8(ascii: "<"))
            if opens != 0 {
                let next = ByteLanes.load(base + index + 1) | 0x2020_2020_2020_2020
                var candidates = opens
                    & (ByteLanes.equal(next, to: UInt8(ascii: "p")) | ByteLanes.equal(next, to: UInt8(ascii: "t"))
                        | ByteLanes.equal(next, to: UInt8(ascii: "x")) | ByteLanes.equal(next, to: UInt8(ascii: "l")))
                while candidates != 0 {
                    if namesElement(bytes, after: index + ByteLanes.firstLane(candidates)) { return index + ByteLanes.firstLane(candidates) }
                    candidates &= candidates &- 1
                }
            }
            index += 8
        }
        while index < bytes.count {
            if base[index] == UInt8(ascii: "<"), namesElement(bytes, after: index) { return index }
            index += 1
        }
        return nil
    }

    /// Whether the '<' at `index` opens one of the elements: its name ends there, with white space, '/'
    /// or '>' (`<pre>`, `<pre class=…>`; not `<pre-x>` or `<pre.x>`).
    /// A name cut off by the end is left to the next chunk's check, which reads across the cut.
    private static func namesElement(_ bytes: UnsafeRawBufferPointer, after index: Int) -> Bool {
        let start = index + 1
        guard start < bytes.count else { return false }
        switch bytes[start] | 0x20 {
        case UInt8(ascii: "p"): return named(bytes, start, "pre") || named(bytes, start, "plaintext")
        case UInt8(ascii: "t"): return named(bytes, start, "textarea")
        case UInt8(ascii: "l"): return named(bytes, start, "listing")
        case UInt8(ascii: "x"): return named(bytes, start, "xmp")
        default: return false
        }
    }

    private static func named(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ name: StaticString) -> Bool {
        let count = name.utf8CodeUnitCount, letters = name.utf8Start
        guard start + count < bytes.count else { return false }
        for offset in 0..<count where bytes[start + offset] | 0x20 != letters[offset] { return false }
        let next = bytes[start + count]
        return next == UInt8(ascii: ">") || next == UInt8(ascii: "/") || InlineMarkup.isSpace(next)
    }
}
