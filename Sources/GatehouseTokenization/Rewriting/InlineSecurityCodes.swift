/// Security codes written inline in text: GraphQL arguments (`pay(card: "…", cvv: "123")`), YAML-like
/// lines (`cvv: 123`), a note typed by hand (`CVC=123`). Removed with their values: the name, the
/// separator and the value go, so the code is not forwarded. In GraphQL commas are insignificant, so
/// an argument list stays valid; one left empty goes with its parentheses.
///
/// A value is a quoted string (GraphQL block strings too) or digits (also spelled as character
/// references): `cvv: $cvv` (a variable), `cvv: securityCode` (an alias) and `$cvv: String!` (a
/// variable definition) are GraphQL, not codes, and stay. `cid` is left alone here: inline it is far
/// more often a content-ID URL (`src="cid:part1"`).
enum InlineSecurityCodes {
    /// Removes the text's inline security codes, adding how many went to `removed`; false when there
    /// was none (the text is then as it was).
    static func remove(from text: inout [UInt8], counting removed: inout Int) -> Bool {
        guard let without = removing(in: text) else { return false }
        text = without.text
        removed += without.removed
        return true
    }

    /// The text without its inline security codes and how many went; nil when there is none.
    private static func removing(in text: [UInt8]) -> (text: [UInt8], removed: Int)? {
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
            guard word.count >= 3, wordStart == 0 || text[wordStart - 1] != UInt8(ascii: "$"),
                  CardFieldNames.kind(word) == .securityCode, !isContentID(word),
                  let (quotedName, valueEnd) = valueEnd(in: text, afterName: wordStart..<index)
            else { continue }
            // A quoted name (`"cvv": "123"` in text) goes with its quotes.
            var start = quotedName ? wordStart - 1 : wordStart
            var end = valueEnd
            // `pay(cvv: "123")`: an argument list left empty goes too.
            var before = start - 1
            while before >= copied, [0x20, 0x09, UInt8(ascii: ",")].contains(text[before]) { before -= 1 }
            var after = end
            while after < count, [0x20, 0x09, UInt8(ascii: ",")].contains(text[after]) { after += 1 }
            if before >= copied, text[before] == UInt8(ascii: "("), after < count, text[after] == UInt8(ascii: ")") {
                start = before
                end = after + 1
            }
            start = max(start, copied)
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

    /// After `name`: whether the name is quoted (a quote before it closed right after it), then
    /// spaces, ':' or '=', spaces and a value; where the value ends. Nil when no value follows.
    private static func valueEnd(in text: [UInt8], afterName name: Range<Int>) -> (quotedName: Bool, end: Int)? {
        var index = name.upperBound
        let count = text.count
        var quotedName = false
        if index < count, name.lowerBound > 0, text[index] == text[name.lowerBound - 1],
           text[index] == UInt8(ascii: "\"") || text[index] == UInt8(ascii: "'")
        {
            quotedName = true
            index += 1
        }
        while index < count, text[index] == 0x20 || text[index] == 0x09 { index += 1 }
        guard index < count, text[index] == UInt8(ascii: ":") || text[index] == UInt8(ascii: "=") else { return nil }
        index += 1
        while index < count, text[index] == 0x20 || text[index] == 0x09 { index += 1 }
        guard index < count else { return nil }
        let quote = text[index]
        if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
            // A GraphQL block string: `"""…"""`.
            let block: [UInt8] = [0x22, 0x22, 0x22]
            if quote == 0x22, text[index...].starts(with: block) {
                guard let close = text[(index + 3)...].firstBytes(block) else { return nil }
                return (quotedName, close.upperBound)
            }
            index += 1
            while index < count, text[index] != quote {
                if text[index] == 0x0A { return nil }
                index += text[index] == UInt8(ascii: "\\") ? 2 : 1
            }
            return index < count ? (quotedName, index + 1) : nil
        }
        // Digits, also spelled as character references (`&#49;&#50;&#51;`).
        let valueStart = index
        while index < count {
            if text[index].isASCIIDigit {
                index += 1
            } else if let end = CharacterReferences.referenceEnd(in: text, at: index) {
                index = end
            } else {
                break
            }
        }
        guard index > valueStart, index == count || !isWordByte(text[index]) else { return nil }
        return (quotedName, index)
    }

    /// A byte of a field name as text writes one: letters, digits, '_' and '-'.
    static func isWordByte(_ byte: UInt8) -> Bool {
        byte.isASCIIDigit || (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    private static func isContentID(_ word: ArraySlice<UInt8>) -> Bool {
        word.count == 3 && word.map(\.asciiLowercased) == Array("cid".utf8)
    }
}
