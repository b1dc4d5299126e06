/// The JSON rewriter for when no card processor needs each card's security code and expiry: one
/// pass, no document tree, output written as the input is read. Same rules as `JSONRewriter`.
struct JSONStreamRewriter {
    let document: [UInt8]
    var replacement: TokenReplacement
    var removed = 0
    private var index = 0
    private var output: [UInt8] = []
    /// The document's bytes while `rewrite` runs: read through a buffer, not the array, so reading a
    /// token costs no reference counting.
    private var bytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)

    init(bytes: [UInt8], replacement: TokenReplacement) {
        self.document = bytes
        self.replacement = replacement
    }

    /// Nil when the document has neither a card number nor a security code.
    mutating func rewrite() throws -> [UInt8]? {
        output.reserveCapacity(document.count + 64)
        try document.withUnsafeBufferPointer { buffer in
            bytes = buffer
            defer { bytes = UnsafeBufferPointer(start: nil, count: 0) }
            try value(depth: 0, emit: true)
            skipSpace()
            guard index == bytes.count else { throw JSONRewriter.Malformed() }
        }
        return replacement.tokenized == 0 && removed == 0 ? nil : output
    }

    private mutating func skipSpace() { JSONLexing.skipSpace(bytes, &index) }

    private mutating func expect(_ byte: UInt8) throws {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else { throw JSONRewriter.Malformed() }
        index += 1
    }

    /// Reads one value; writes it (rewritten) when `emit`, or just checks it (a dropped member's value).
    private mutating func value(depth: Int, emit: Bool) throws {
        guard depth < JSONRewriter.maxDepth else { throw JSONRewriter.Malformed() }
        skipSpace()
        guard index < bytes.count else { throw JSONRewriter.Malformed() }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            if emit { output.append(UInt8(ascii: "{")) }
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                if emit { output.append(UInt8(ascii: "}")) }
                return
            }
            var first = true
            while true {
                skipSpace()
                let key = try JSONLexing.string(bytes, &index)
                try expect(UInt8(ascii: ":"))
                let raw = bytes[key.lowerBound + 1..<key.upperBound - 1]
                let kind = raw.contains(UInt8(ascii: "\\")) ? CardFieldNames.kind(JSONString.decode(Array(raw)[...])) : CardFieldNames.kind(raw)
                if kind == .securityCode {
                    try value(depth: depth + 1, emit: false)
                    if emit { removed += 1 }
                } else {
                    if emit {
                        if !first { output.append(UInt8(ascii: ",")) }
                        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[key]))
                        output.append(UInt8(ascii: ":"))
                    }
                    first = false
                    try value(depth: depth + 1, emit: emit)
                }
                skipSpace()
                guard index < bytes.count else { throw JSONRewriter.Malformed() }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    if emit { output.append(UInt8(ascii: "}")) }
                    return
                } else {
                    throw JSONRewriter.Malformed()
                }
            }
        case UInt8(ascii: "["):
            index += 1
            if emit { output.append(UInt8(ascii: "[")) }
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                if emit { output.append(UInt8(ascii: "]")) }
                return
            }
            var first = true
            while true {
                if emit && !first { output.append(UInt8(ascii: ",")) }
                first = false
                try value(depth: depth + 1, emit: emit)
                skipSpace()
                guard index < bytes.count else { throw JSONRewriter.Malformed() }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    if emit { output.append(UInt8(ascii: "]")) }
                    return
                } else {
                    throw JSONRewriter.Malformed()
                }
            }
        case UInt8(ascii: "\""):
            let range = try JSONLexing.string(bytes, &index)
            if emit { JSONLexing.emitString(bytes, range, &replacement, context: CardContext(), into: &output) }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let range = try JSONLexing.number(bytes, &index)
            if emit { JSONLexing.emitNumber(bytes, range, &replacement, context: CardContext(), into: &output) }
        default:
            let range = try JSONLexing.literal(bytes, &index)
            if emit { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range])) }
        }
    }
}
