#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Follows, in a page streamed in chunks, the elements whose white space shows as it is (`<pre>`,
/// `<textarea>`, `<listing>`, `<xmp>`, `<plaintext>`): a list of codes on lines of their own there is
/// not one number, and a form's textarea must not be changed. Where such an element opens and where
/// it closes, the page's white-space reading switches off and on; a tag cut between chunks is seen
/// whole.
struct PreformattedElements {
    /// The end of the chunk before (a tag's first bytes).
    private var previousEnd: [UInt8] = []
    /// The element open now, as an index into `names`.
    private var open: Int?

    private static let names: [StaticString] = ["pre", "textarea", "listing", "xmp", "plaintext"]
    /// `</plaintext`.
    private static let longestTag = 11

    /// Where in `chunk` the reading switches, in order: where such an element opens (its tag's '<'),
    /// where it closes, and so on; 0 for a tag begun in the chunk before. Each chunk is read once, in
    /// order.
    mutating func switches(in chunk: UnsafeRawBufferPointer) -> [Int] {
        var found: [Int] = []
        var from = 0
        let carried = previousEnd.count
        let joined = previousEnd + chunk.prefix(Self.longestTag + 1)
        previousEnd = Array((previousEnd + chunk).suffix(Self.longestTag + 1))
        joined.withUnsafeBytes { joined in
            var cursor = 0
            while let tag = nextTag(joined, from: cursor), tag.at < carried {
                // One wholly in the chunk before was read with it.
                if tag.end > carried {
                    found.append(0)
                    open = open == nil ? tag.name : nil
                    from = tag.end - carried
                    break
                }
                cursor = tag.end
            }
        }
        while let tag = nextTag(chunk, from: from) {
            found.append(tag.at)
            open = open == nil ? tag.name : nil
            from = tag.end
        }
        return found
    }

    /// The next tag from `from` that switches the reading: one opening such an element when none is
    /// open, the open one's closing tag when one is. Where its '<' is, where it can first be told
    /// (after the byte that ends its name), and the element.
    private func nextTag(_ bytes: UnsafeRawBufferPointer, from: Int) -> (at: Int, end: Int, name: Int)? {
        guard let raw = bytes.baseAddress, from < bytes.count else { return nil }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        if let open {
            var cursor = from
            while cursor < bytes.count, let found = memchr(base + cursor, Int32(UInt8(ascii: "<")), bytes.count - cursor) {
                let at = UnsafeRawPointer(found) - raw
                cursor = at + 1
                if at + 1 < bytes.count, base[at + 1] == UInt8(ascii: "/"), let end = Self.named(bytes, at + 2, Self.names[open]) { return (at, end, open) }
            }
            return nil
        }
        var index = from
        // A word at a time: only a '<' before p, t, x or l (either case) starts one of the names.
        while index + 9 <= bytes.count {
            let opens = ByteLanes.equal(ByteLanes.load(base + index), to: UInt8(ascii: "<"))
            if opens != 0 {
                let next = ByteLanes.load(base + index + 1) | 0x2020_2020_2020_2020
                var candidates = opens
                    & (ByteLanes.equal(next, to: UInt8(ascii: "p")) | ByteLanes.equal(next, to: UInt8(ascii: "t"))
                        | ByteLanes.equal(next, to: UInt8(ascii: "x")) | ByteLanes.equal(next, to: UInt8(ascii: "l")))
                while candidates != 0 {
                    let at = index + ByteLanes.firstLane(candidates)
                    if let (end, name) = Self.opening(bytes, at: at) { return (at, end, name) }
                    candidates &= candidates &- 1
                }
            }
            index += 8
        }
        while index < bytes.count {
            if base[index] == UInt8(ascii: "<"), let (end, name) = Self.opening(bytes, at: index) { return (index, end, name) }
            index += 1
        }
        return nil
    }

    /// The element whose opening tag starts at the '<' at `at`, and where it can first be told.
    private static func opening(_ bytes: UnsafeRawBufferPointer, at: Int) -> (end: Int, name: Int)? {
        let start = at + 1
        guard start < bytes.count else { return nil }
        switch bytes[start] | 0x20 {
        case UInt8(ascii: "p"): return named(bytes, start, names[0]).map { ($0, 0) } ?? named(bytes, start, names[4]).map { ($0, 4) }
        case UInt8(ascii: "t"): return named(bytes, start, names[1]).map { ($0, 1) }
        case UInt8(ascii: "l"): return named(bytes, start, names[2]).map { ($0, 2) }
        case UInt8(ascii: "x"): return named(bytes, start, names[3]).map { ($0, 3) }
        default: return nil
        }
    }

    /// Whether `name` (either case) starts at `start` and ends there, with white space, '/' or '>'
    /// (`<pre>`, `<pre class=…>`; not `<pre-x>` or `<pre.x>`): the index after that byte. A name cut
    /// off by the end is left to the next chunk, which reads across the cut.
    private static func named(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ name: StaticString) -> Int? {
        let count = name.utf8CodeUnitCount, letters = name.utf8Start
        guard start + count < bytes.count else { return nil }
        for offset in 0..<count where bytes[start + offset] | 0x20 != letters[offset] { return nil }
        let next = bytes[start + count]
        return next == UInt8(ascii: ">") || next == UInt8(ascii: "/") || InlineMarkup.isSpace(next) ? start + count + 1 : nil
    }
}
