/// RFC 8259 tokens, and the rewriting of string and number tokens, shared by both JSON rewriters.
/// Generic over the byte collection, so the one-pass rewriter reads an unsafe buffer (no reference
/// counting per token) and the tree rewriter its array.
enum JSONLexing {
    static func skipSpace<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, _ index: inout Int) where Bytes.Index == Int {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    /// Spaces from `index`, eight at a time while whole words of them remain (bodies padded with
    /// spaces are common).
    static func skipSpace(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) {
        guard let base = bytes.baseAddress else { return }
        let end = bytes.count
        while index &+ 8 <= end, ByteLanes.load(base + index) == 0x2020_2020_2020_2020 { index &+= 8 }
        while index < end, base[index] == 0x20 || base[index] == 0x0A || base[index] == 0x0D || base[index] == 0x09 { index &+= 1 }
    }

    /// Most tokens are followed by a non-space byte: checked inline before the loop above.
    @inline(__always)
    static func skipSpace(fast bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) {
        if index < bytes.count, bytes[index] > 0x20 { return }
        skipSpace(bytes, &index)
    }

    /// A string token at `index` (quotes included), whether it has an escape, and how many ASCII
    /// digits it holds: what decides, in one read, whether it needs a closer look for card numbers.
    /// Read a word at a time up to the next quote, backslash or control byte.
    @inline(__always)
    static func scanString(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) throws -> (range: Range<Int>, escaped: Bool, digits: Int) {
        guard let base = bytes.baseAddress, index < bytes.count, base[index] == UInt8(ascii: "\"") else { throw JSONRewriter.Malformed() }
        let start = index
        let end = bytes.count
        var cursor = index &+ 1
        var escaped = false
        var digits = 0
        while true {
            while cursor &+ 8 <= end {
                let word = ByteLanes.load(base + cursor)
                let stops = ByteLanes.jsonStringStops(word)
                let digitLanes = ByteLanes.digits(word)
                if stops == 0 {
                    digits &+= ByteLanes.count(digitLanes)
                    cursor &+= 8
                    continue
                }
                let lane = ByteLanes.firstLane(stops)
                digits &+= ByteLanes.count(ByteLanes.below(lane, digitLanes))
                cursor &+= lane
                break
            }
            guard cursor < end else { throw JSONRewriter.Malformed() }
            let byte = base[cursor]
            if byte &- 0x30 <= 9 {
                digits &+= 1
            } else if byte == UInt8(ascii: "\"") {
                index = cursor &+ 1
                return (start..<index, escaped, digits)
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
                cursor &+= 1
            } else if byte < 0x20 {
                throw JSONRewriter.Malformed()
            }
            cursor &+= 1
        }
    }

    static func number<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, _ index: inout Int) throws -> Range<Int> where Bytes.Index == Int {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        try digits(bytes, &index)
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            try digits(bytes, &index)
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            try digits(bytes, &index)
        }
        return start..<index
    }

    private static func digits<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, _ index: inout Int) throws where Bytes.Index == Int {
        let start = index
        while index < bytes.count, bytes[index].isASCIIDigit { index += 1 }
        guard index > start else { throw JSONRewriter.Malformed() }
    }

    /// `true`, `false` or `null` at `index`.
    static let literals: [[UInt8]] = [Array("true".utf8), Array("false".utf8), Array("null".utf8)]

    static func literal<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, _ index: inout Int) throws -> Range<Int> where Bytes.Index == Int {
        for utf8 in literals {
            if bytes.count - index >= utf8.count, bytes[index..<index + utf8.count].elementsEqual(utf8) {
                index += utf8.count
                return index - utf8.count..<index
            }
        }
        throw JSONRewriter.Malformed()
    }

    /// Writes a string token with its card numbers replaced, or as it was (`unchanged`: false
    /// writes nothing when nothing changed). `inlineFields`: the string is a GraphQL document, whose
    /// inline security-code arguments go too.
    static func emitString<Bytes: RandomAccessCollection<UInt8>>(
        _ bytes: Bytes, _ range: Range<Int>, _ replacement: inout TokenReplacement, removed: inout Int, context: CardContext,
        into output: inout [UInt8], unchanged: Bool = true, inlineFields: Bool = false
    ) where Bytes.Index == Int {
        let inner = range.lowerBound + 1..<range.upperBound - 1
        let escaped = bytes[inner].contains(UInt8(ascii: "\\"))
        // Unescaped, a string with fewer than 13 digits cannot hold a card number.
        guard escaped || inlineFields || bytes[inner].lazy.filter(\.isASCIIDigit).count >= 13 else {
            if unchanged { output.append(contentsOf: bytes[range]) }
            return
        }
        var replaced: [UInt8]?
        if escaped || inlineFields {
            var text = escaped ? JSONString.decode(Array(bytes[inner])[...]) : Array(bytes[inner])
            let cut = inlineFields && InlineSecurityCodes.remove(from: &text, counting: &removed)
            replaced = rewriteEmbeddedJSON(text, &replacement, removed: &removed) ?? replacement.replacing(in: text, context: context)
            if replaced == nil && cut { replaced = text }
        } else {
            // Without escapes the string's bytes are its text: scanned where they lie, copied only to rewrite.
            replaced = bytes.withContiguousStorageIfAvailable { buffer in
                replacement.replacing(in: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[inner])), context: context)
            } ?? replacement.replacing(in: Array(bytes[inner]), context: context)
        }
        if let replaced {
            JSONString.encode(replaced, into: &output)
        } else if unchanged {
            output.append(contentsOf: bytes[range])
        }
    }

    /// A string that is itself a JSON document (a payload passed on as text, always escaped): rewritten by
    /// the JSON rules, so its security codes go too. Nil when it is not one or nothing changed.
    static func rewriteEmbeddedJSON(_ text: [UInt8], _ replacement: inout TokenReplacement, removed: inout Int) -> [UInt8]? {
        guard JSONText.looksLikeJSON(text) else { return nil }
        // Documents nested in strings deeper than this are not read (the recursion, and the stack, stay
        // bounded whatever the body); the whole request is refused instead.
        guard replacement.embeddingDepth < TokenReplacement.maxEmbeddingDepth else {
            replacement.embeddedTooDeep = true
            return nil
        }
        var inner = replacement
        inner.embeddingDepth += 1
        var rewriter = JSONRewriter(bytes: text, replacement: inner)
        let output = (try? rewriter.rewrite()) ?? nil
        if rewriter.replacement.embeddedTooDeep { replacement.embeddedTooDeep = true }
        guard let output else { return nil }
        rewriter.replacement.embeddingDepth -= 1
        replacement = rewriter.replacement
        removed += rewriter.removed
        return output
    }

    /// Writes a number token; one that is a card number becomes its token, as a string.
    static func emitNumber<Bytes: RandomAccessCollection<UInt8>>(
        _ bytes: Bytes, _ range: Range<Int>, _ replacement: inout TokenReplacement, context: CardContext, into output: inout [UInt8],
        unchanged: Bool = true
    ) where Bytes.Index == Int {
        var token: [UInt8]?
        func scan(_ raw: UnsafeRawBufferPointer) {
            PANDetector.scan(raw) { _, digits, _ in
                if token == nil { token = replacement.token(for: digits, context: context) }
            }
        }
        if bytes.withContiguousStorageIfAvailable({ scan(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: $0[range]))) }) == nil {
            Array(bytes[range]).withUnsafeBytes { scan($0) }
        }
        if let token {
            JSONString.encode(token, into: &output)
        } else if unchanged {
            output.append(contentsOf: bytes[range])
        }
    }
}
