/// Security codes written inline in text: GraphQL arguments (`pay(card: "…", cvv: "123")`), YAML-like
/// lines (`cvv: 123`), a note typed by hand (`CVC=123`). Removed with their values: the name, the
/// separator and the value go, so the code is not forwarded. In GraphQL commas are insignificant,
/// so an argument list stays valid.
///
/// `cid` is left alone here: inline it is far more often a content-ID URL (`src="cid:part1"`).
enum InlineSecurityCodes {
    /// The text without its inline security codes and how many went; nil when there is none.
    static func removing(in text: [UInt8]) -> (text: [UInt8], removed: Int)? {
        var output: [UInt8] = []
        var copied = 0
        var removed = 0
        var index = 0
        let count = text.count
        while index < count {
            guard isWordByte(text[index]), index == 0 || !isWordByte(text[index - 1]) else {
                index += 1
                continue
            }
            let wordStart = index
            while index < count, isWordByte(text[index]) { index += 1 }
            let word = text[wordStart..<index]
            guard word.count >= 3, CardFieldNames.kind(word) == .securityCode, !isContentID(word),
                  let end = valueEnd(in: text, afterName: wordStart..<index)
            else { continue }
            // A quoted name (`"cvv": "123"` in text) goes with its quotes.
            var start = wordStart
            if start > 0, text[start - 1] == UInt8(ascii: "\"") || text[start - 1] == UInt8(ascii: "'") { start -= 1 }
            if output.isEmpty { output.reserveCapacity(count) }
            output.append(contentsOf: text[copied..<start])
            copied = end
            index = end
            removed += 1
        }
        guard removed > 0 else { return nil }
        output.append(contentsOf: text[copied...])
        return (output, removed)
    }

    /// Where the value after `name` ends: a closing quote of the name, spaces, ':' or '=', spaces, then
    /// a quoted string (escapes allowed) or a run of letters and digits. Nil when no value follows.
    private static func valueEnd(in text: [UInt8], afterName name: Range<Int>) -> Int? {
        var index = name.upperBound
        let count = text.count
        if index < count, name.lowerBound > 0, text[index] == text[name.lowerBound - 1],
           text[index] == UInt8(ascii: "\"") || text[index] == UInt8(ascii: "'")
        {
            index += 1
        }
        while index < count, text[index] == 0x20 || text[index] == 0x09 { index += 1 }
        guard index < count, text[index] == UInt8(ascii: ":") || text[index] == UInt8(ascii: "=") else { return nil }
        index += 1
        while index < count, text[index] == 0x20 || text[index] == 0x09 { index += 1 }
        guard index < count else { return nil }
        let quote = text[index]
        if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
            index += 1
            while index < count, text[index] != quote {
                if text[index] == 0x0A { return nil }
                index += text[index] == UInt8(ascii: "\\") ? 2 : 1
            }
            return index < count ? index + 1 : nil
        }
        let valueStart = index
        while index < count, text[index].isASCIIDigit || (text[index] | 0x20) >= 0x61 && (text[index] | 0x20) <= 0x7A { index += 1 }
        return index > valueStart ? index : nil
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        byte.isASCIIDigit || (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    private static func isContentID(_ word: ArraySlice<UInt8>) -> Bool {
        word.count == 3 && word.map(\.asciiLowercased) == Array("cid".utf8)
    }
}
