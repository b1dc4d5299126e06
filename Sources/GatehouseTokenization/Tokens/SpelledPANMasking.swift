#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Card numbers a response spells other than in ASCII digits, as a browser or a JSON parser shows
/// them: character references (`&#52;`, `&#x34;`, `&nbsp;` between groups), JSON escapes (`\u0034`),
/// percent escapes (`%34`, as a link or a form value carries it), other digits (full-width,
/// Arabic-Indic, Devanagari), other spaces, dashes and invisible characters between digits, '+' for a
/// space (a form value's), inline markup between digits (`<span>4111</span> <span>1111</span>…`,
/// read by `InlineMarkup`). Masked in place and length-preserving (a streamed response keeps its
/// Content-Length): each hidden digit's whole spelling becomes '*'s. Runs after the ASCII masking, on
/// what it left.
enum SpelledPANMasking {
    /// Masks the card numbers of `bytes` that have a character spelled other than in ASCII. Returns
    /// how many. `bytes` is whole: a text, or what a stream holds back ends before the next card
    /// character.
    @discardableResult
    static func mask(_ bytes: inout [UInt8], html: Bool = false) -> Int {
        guard bytes.withUnsafeBytes({ hasSpelledCardCharacter($0, openEnds: false, html: html) }) else { return 0 }
        let mapped = Mapped(bytes, html: html)
        var count = 0
        mapped.text.withUnsafeBytes { text in
            PANDetector.scan(text) { range, digits, _ in
                count += 1
                var seen = 0
                for position in range where text[position] &- 0x30 <= 9 {
                    if seen >= 6 && seen < digits.count - 4 {
                        for source in mapped.sources[position] { bytes[source] = UInt8(ascii: "*") }
                    }
                    seen += 1
                }
            }
        }
        return count
    }

    /// Whether a card character is spelled other than in ASCII anywhere in `bytes` (a separator only
    /// between card characters), or a spelling is cut off at its end. Read in place: a page whose
    /// references and non-ASCII text are all something else (`&amp;`, `&#8217;`, `&nbsp;` between
    /// words, accented letters) is passed over quickly and goes on uncopied. With `openEnds` (a chunk
    /// of a stream) the chunks before and after may go on with card characters; without, `bytes` is
    /// whole.
    static func hasSpelledCardCharacter(_ bytes: UnsafeRawBufferPointer, openEnds: Bool = true, html: Bool = false) -> Bool {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return false }
        if openEnds, pendingSpelling(bytes) != nil { return true }
        /// A card character spelled from `start` to `end` counts if it is a digit, or a space, dash or
        /// invisible character with card characters on both sides, as inside a card number: `&nbsp;`
        /// or a dash between words, or after an amount, does not.
        func counts(_ ascii: UInt8, _ start: Int, _ end: Int) -> Bool {
            ascii &- 0x30 <= 9 || (cardCharacter(before: start) && cardCharacter(at: end))
        }
        func cardCharacter(at index: Int) -> Bool {
            guard index < bytes.count else { return openEnds }  // the next chunk may go on with one
            let byte = bytes[index]
            if byte &- 0x30 <= 9 || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "%") { return true }
            return byte >= 0xC0 && UnicodeDigits.map(bytes, at: index).0 != nil
        }
        func cardCharacter(before index: Int) -> Bool {
            index == 0 ? openEnds : endsWithCardCharacter(bytes, before: index)  // the chunk before may end with one
        }
        let end = base + bytes.count
        for marker in [UInt8(ascii: "&"), UInt8(ascii: "\\"), UInt8(ascii: "%"), UInt8(ascii: "+")] {
            var cursor = base
            while cursor < end, let found = memchr(cursor, Int32(marker), end - cursor) {
                let index = UnsafeRawPointer(found) - base
                if let spelled = escapedCardCharacter(bytes, at: index), counts(spelled.ascii, index, spelled.end) { return true }
                cursor = UnsafeRawPointer(found) + 1
            }
        }
        var markup = 0
        while let index = nextMarkupAfterCardCharacter(bytes, from: markup, html: html) {
            guard let run = markupJoinedRun(bytes, at: index, openEnds: openEnds, html: html) else {
                markup = index + 1
                continue
            }
            if run.mayBeCard { return true }
            markup = max(index + 1, run.end)
        }
        guard UnicodeDigits.hasNonASCII(bytes) else { return false }
        var index = 0
        while index < bytes.count {
            // Eight bytes at a time past words without a lead byte (0xC0 and up: both top bits set).
            if index + 8 <= bytes.count {
                let word = ByteLanes.load(base.assumingMemoryBound(to: UInt8.self) + index)
                if word & (word << 1) & ByteLanes.highBits == 0 {
                    index += 8
                    continue
                }
            }
            // Only these lead bytes start a card character (U+00A0…U+0969, U+180E, U+2000…U+3000, U+FE00…U+FF19):
            // accented letters and most symbols are passed over without decoding.
            switch bytes[index] {
            case 0xC2, 0xCD, 0xD9, 0xDB, 0xE0, 0xE1, 0xE2, 0xE3, 0xEF:
                let (ascii, length) = UnicodeDigits.map(bytes, at: index)
                if let ascii, counts(ascii, index, index + length) { return true }
            default:
                break
            }
            index += 1
        }
        return false
    }

    /// Whether the character before `index` is a card character: an ASCII digit, the end of a reference
    /// (`&#52;`, or an escape's last hex digit), or a digit or space spelled in UTF-8.
    static func endsWithCardCharacter<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, before index: Int) -> Bool where Bytes.Index == Int {
        guard index > bytes.startIndex else { return false }
        let byte = bytes[index - 1]
        if byte &- 0x30 <= 9 || byte == UInt8(ascii: ";") { return true }
        guard byte >= 0x80 else { return false }
        var lead = index - 1
        while lead > bytes.startIndex, index - lead < 4, bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
        return UnicodeDigits.map(bytes, at: lead).0 != nil
    }

    /// Where the characters between a card character and the inline markup that starts at `start` begin:
    /// a dash or a form's '+', and more markup before it (`4111</b>-<b>`); `start` when there is neither.
    static func markupStart<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, before start: Int) -> Int where Bytes.Index == Int {
        guard start > bytes.startIndex, bytes[start - 1] == UInt8(ascii: "-") || bytes[start - 1] == UInt8(ascii: "+") else { return start }
        return InlineMarkup.gapStart(in: bytes, before: start - 1)
    }

    /// Where a spelling the next chunk may complete starts: a reference (`&`, then only '#' and letters
    /// or digits, however many leading zeros), an escape (`\`, `\u` and up to three hex digits), or a
    /// UTF-8 sequence cut off, or white space and inline markup (a tag perhaps cut off) after a card
    /// character; nil when the bytes end with none.
    static func pendingSpelling<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> Int? where Bytes.Index == Int {
        var pending: Int?
        var index = bytes.endIndex
        // Back over letters, digits and '#' (at most a window's worth) to an '&'.
        while index > bytes.startIndex, bytes.endIndex - index < 512 {
            let byte = bytes[index - 1]
            if byte == UInt8(ascii: "&") {
                pending = index - 1
                break
            }
            guard byte == UInt8(ascii: "#") || byte &- 0x30 <= 9 || (byte | 0x20) &- 0x61 <= 25 else { break }
            index -= 1
        }
        for back in 1...min(5, bytes.count) where bytes[bytes.endIndex - back] == UInt8(ascii: "\\") {
            let start = bytes.endIndex - back
            if back == 1 || (bytes[start + 1] == UInt8(ascii: "u") && bytes[(start + 2)...].allSatisfy { $0 &- 0x30 <= 9 || ($0 | 0x20) &- 0x61 <= 5 }) {
                pending = min(pending ?? start, start)
            }
            break
        }
        for back in 1...min(2, bytes.count) where bytes[bytes.endIndex - back] == UInt8(ascii: "%") {
            pending = min(pending ?? bytes.endIndex - back, bytes.endIndex - back)
        }
        for back in 1...min(3, bytes.count) {
            let byte = bytes[bytes.endIndex - back]
            guard byte >= 0x80 else { break }
            if byte >= 0xC0 {
                let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                if length > back { pending = min(pending ?? bytes.endIndex - back, bytes.endIndex - back) }
                break
            }
        }
        // White space and inline markup after a card character (`4111</span>`, `4111 <spa`): the number
        // may go on. A tag or comment cut off opens at its first '<' (the later ones are inside it).
        var markupEnd = bytes.endIndex
        var open = max(bytes.startIndex, bytes.endIndex - InlineMarkup.longestTag)
        while open < bytes.endIndex {
            if bytes[open] == UInt8(ascii: "<"), InlineMarkup.tag(in: bytes, at: open) == .unfinished {
                markupEnd = open
                break
            }
            open += 1
        }
        let gap = InlineMarkup.gapStart(in: bytes, before: markupEnd)
        if gap < bytes.endIndex, endsWithCardCharacter(bytes, before: markupStart(bytes, before: gap)) { pending = min(pending ?? gap, gap) }
        return pending
    }

    /// How many bytes at the end of `bytes` to hold back for the next chunk: a spelling cut off (`&#5`,
    /// `\u00`, part of a UTF-8 sequence), and the run of card characters before it (spelled or not),
    /// which the next chunk could continue.
    static func unfinishedTail(_ bytes: [UInt8], html: Bool = false) -> Int {
        // The longest card number, spelled at its longest (`&#x0034;` per digit, invisible characters or
        // inline markup between), fits the larger window; most runs are read whole in the smaller one.
        let windows = [2048, 8192]
        for window in windows {
            var start = max(0, bytes.count - window)
            while start < bytes.count, bytes[start] & 0xC0 == 0x80 { start += 1 }
            guard bytes.withUnsafeBytes({ hasSpelledCardCharacter(UnsafeRawBufferPointer(rebasing: $0[start...]), html: html) }) else { return 0 }
            let end = max(start, pendingSpelling(bytes[start...]) ?? bytes.count)
            let mapped = Mapped(bytes, from: start, to: end, html: html)
            var position = mapped.text.count
            while position > 0, mapped.text.count - position <= PANDetector.longestMatch {
                let byte = mapped.text[position - 1]
                guard PANDetector.isNumberByte(byte) else { break }
                position -= 1
            }
            // Held back at most the longest number: in a longer run (several numbers, spelled or on
            // lines of their own) that may fall inside one, which then starts the tail instead.
            if position > 0, mapped.text.count - position > PANDetector.longestMatch {
                mapped.text.withUnsafeBytes { text in
                    PANDetector.scan(text) { range, _, _ in
                        if range.lowerBound < position, range.upperBound > position { position = range.lowerBound }
                    }
                }
            }
            let held = position < mapped.text.count ? mapped.sources[position].lowerBound : end
            // Far enough from the window's start that no spelling or markup cut there could join it.
            if start == 0 || window == windows.last || held - start >= InlineMarkup.longestGap { return bytes.count - held }
        }
        return 0
    }

    /// Each character mapped to one ASCII byte, with the bytes it came from: card characters to their
    /// ASCII stand-ins (invisible ones left out, as a reader skips them), any other character to
    /// itself or, beyond ASCII, to 'x'.
    private struct Mapped {
        var text: [UInt8] = []
        var sources: [Range<Int>] = []

        /// From `start` to `end` (the whole of `bytes` by default); a spelling that starts before `end`
        /// is read whole. On a page (`html`), white space shows as one space wherever it is.
        init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil, html: Bool = false) {
            let end = end ?? bytes.count
            text.reserveCapacity(end - start)
            sources.reserveCapacity(end - start)
            var index = start
            while index < end {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\\") {
                    // An escaped backslash: `\\u0034` is text, not an escape.
                    append(byte, index..<index + 2)
                    index += 2
                    continue
                }
                // (White space is tried once, at the start of its run: a gap from there holds the rest.)
                if byte == UInt8(ascii: "<") || (InlineMarkup.isSpace(byte) && (index == start || !InlineMarkup.isSpace(bytes[index - 1]))),
                    let last = text.last, last &- 0x30 <= 9 || last == 0x20 || last == 0x2D,
                    let gap = InlineMarkup.gap(in: bytes, from: index, html: html), startsCardCharacter(bytes, at: gap.end, end: end)
                {
                    // Inline markup between card characters shows nothing, or one space.
                    if gap.showsSpace && last &- 0x30 <= 9 { append(0x20, index..<gap.end) }
                    index = gap.end
                    continue
                }
                var unit = escapedCardCharacter(bytes, at: index)
                if unit == nil, byte >= 0x80 {
                    let (ascii, length) = UnicodeDigits.map(bytes, at: index)
                    let end = min(index + length, bytes.count)
                    guard let ascii else {
                        append(UInt8(ascii: "x"), index..<end)
                        index = end
                        continue
                    }
                    unit = (ascii, end)
                }
                guard let unit else {
                    append(byte, index..<index + 1)
                    index += 1
                    continue
                }
                if unit.ascii != UnicodeDigits.invisible { append(unit.ascii, index..<unit.end) }
                index = unit.end
            }
        }

        /// A card character (or a dash) at `index`, or the end of what is mapped, where the next chunk
        /// may go on with one.
        private func startsCardCharacter(_ bytes: [UInt8], at index: Int, end: Int) -> Bool {
            guard index < end else { return true }
            let byte = bytes[index]
            if byte &- 0x30 <= 9 || byte == 0x2D { return true }
            if escapedCardCharacter(bytes, at: index) != nil { return true }
            return byte >= 0xC0 && UnicodeDigits.map(bytes, at: index).0 != nil
        }

        private mutating func append(_ byte: UInt8, _ source: Range<Int>) {
            text.append(byte)
            sources.append(source)
        }
    }

    /// The card character a spelling that starts with an ASCII marker stands for, and where the
    /// spelling ends: a character reference (`&#52;`, `&nbsp;`), a percent escape (`%34`), '+' (a
    /// form value's space) or a JSON escape (`\u0034`). Nil when there is none at `index`, or it names another character.
    static func escapedCardCharacter<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, at index: Int) -> (ascii: UInt8, end: Int)?
    where Bytes.Index == Int {
        switch bytes[index] {
        case UInt8(ascii: "&"):
            let next = index + 1 < bytes.endIndex ? bytes[index + 1] : 0
            let reference = next == UInt8(ascii: "#")
                ? CharacterReferences.numericReference(in: bytes, digitsAfter: index + 2, semicolonRequired: false)
                : CharacterReferences.namedReference(in: bytes, at: index + 1)
            return reference.flatMap { reference in UnicodeDigits.ascii(for: reference.scalar).map { ($0, reference.end) } }
        case UInt8(ascii: "%"):
            return percentEscape(bytes, at: index).map { ($0, index + 3) }
        case UInt8(ascii: "+"):
            return (0x20, index + 1)  // a form value's space
        case UInt8(ascii: "\\"):
            return jsonEscape(bytes, at: index).flatMap { scalar, end in UnicodeDigits.ascii(for: scalar).map { ($0, end) } }
        default:
            return nil
        }
    }

    /// `%3X`, `%20` or `%2D` at `index` (a URL's or a form's escaped digit, space or dash): the ASCII byte.
    private static func percentEscape<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, at index: Int) -> UInt8? where Bytes.Index == Int {
        guard index + 3 <= bytes.endIndex else { return nil }
        let high = bytes[index + 1], low = bytes[index + 2] | 0x20
        switch (high, low) {
        case (UInt8(ascii: "3"), UInt8(ascii: "0")...UInt8(ascii: "9")): return low
        case (UInt8(ascii: "2"), UInt8(ascii: "0")): return 0x20
        case (UInt8(ascii: "2"), UInt8(ascii: "d")): return 0x2D
        default: return nil
        }
    }

    /// `\uXXXX` at `index`: the character and the index after it.
    private static func jsonEscape<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, at index: Int) -> (Unicode.Scalar, Int)?
    where Bytes.Index == Int {
        guard index + 6 <= bytes.count, bytes[index + 1] == UInt8(ascii: "u") else { return nil }
        var value: UInt32 = 0
        for byte in bytes[(index + 2)..<(index + 6)] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - 0x30
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - 0x61 + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - 0x41 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return Unicode.Scalar(value).map { ($0, index + 6) }
    }
}
