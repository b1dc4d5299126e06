/// RFC 8259 tokens, and the rewriting of string and number tokens, shared by both JSON rewriters.
enum JSONLexing {
    static func skipSpace(_ bytes: [UInt8], _ index: inout Int) {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    /// A string token at `index`, quotes included.
    static func string(_ bytes: [UInt8], _ index: inout Int) throws -> Range<Int> {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw JSONRewriter.Malformed() }
        let start = index
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return start..<index
            }
            if byte < 0x20 { throw JSONRewriter.Malformed() }
            index += byte == UInt8(ascii: "\\") ? 2 : 1
        }
        throw JSONRewriter.Malformed()
    }

    static func number(_ bytes: [UInt8], _ index: inout Int) throws -> Range<Int> {
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

    private static func digits(_ bytes: [UInt8], _ index: inout Int) throws {
        let start = index
        while index < bytes.count, bytes[index].isASCIIDigit { index += 1 }
        guard index > start else { throw JSONRewriter.Malformed() }
    }

    /// `true`, `false` or `null` at `index`.
    static func literal(_ bytes: [UInt8], _ index: inout Int) throws -> Range<Int> {
        for literal in ["true", "false", "null"] {
            let utf8 = Array(literal.utf8)
            if bytes.count - index >= utf8.count, bytes[index..<index + utf8.count].elementsEqual(utf8) {
                index += utf8.count
                return index - utf8.count..<index
            }
        }
        throw JSONRewriter.Malformed()
    }

    /// Writes a string token with its card numbers replaced, or as it was.
    static func emitString(
        _ bytes: [UInt8], _ range: Range<Int>, _ replacement: inout TokenReplacement, context: CardContext, into output: inout [UInt8]
    ) {
        let inner = range.lowerBound + 1..<range.upperBound - 1
        let escaped = bytes[inner].contains(UInt8(ascii: "\\"))
        guard escaped || bytes[inner].contains(where: \.isASCIIDigit) else {
            output.append(contentsOf: bytes[range])
            return
        }
        // Without escapes the string's bytes are its text: scanned where they lie, copied only to rewrite.
        let replaced = escaped
            ? replacement.replacing(in: JSONString.decode(bytes[inner]), context: context)
            : bytes[inner].withUnsafeBytes { replacement.replacing(in: $0, context: context) }
        if let replaced {
            JSONString.encode(replaced, into: &output)
        } else {
            output.append(contentsOf: bytes[range])
        }
    }

    /// Writes a number token; one that is a card number becomes its token, as a string.
    static func emitNumber(
        _ bytes: [UInt8], _ range: Range<Int>, _ replacement: inout TokenReplacement, context: CardContext, into output: inout [UInt8]
    ) {
        var token: [UInt8]?
        bytes[range].withUnsafeBytes { raw in
            PANDetector.scan(raw) { _, digits, _ in
                if token == nil { token = replacement.token(for: digits, context: context) }
            }
        }
        if let token {
            JSONString.encode(token, into: &output)
        } else {
            output.append(contentsOf: bytes[range])
        }
    }
}
