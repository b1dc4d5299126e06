/// The JSON rewriter for when no card processor needs each card's security code and expiry: one
/// validating pass, no document tree, nothing copied while reading. It notes edits (a card number's
/// token, a security-code member removed) and builds the output only when there is one, leaving
/// every other byte, spacing included, as it was. Same rules as `JSONRewriter`.
struct JSONStreamRewriter {
    let document: [UInt8]
    var replacement: TokenReplacement
    var removed = 0
    private var index = 0
    /// Replacements in document order, not overlapping; empty bytes delete the range.
    private var edits: [(range: Range<Int>, bytes: [UInt8])] = []
    /// The document's bytes while `rewrite` runs: read through a buffer, not the array, so reading a
    /// token costs no reference counting.
    private var bytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)

    init(bytes: [UInt8], replacement: TokenReplacement) {
        self.document = bytes
        self.replacement = replacement
    }

    /// Nil when the document has neither a card number nor a security code.
    mutating func rewrite() throws -> [UInt8]? {
        try document.withUnsafeBufferPointer { buffer in
            bytes = buffer
            defer { bytes = UnsafeBufferPointer(start: nil, count: 0) }
            try value(depth: 0, emit: true)
            skipSpace()
            guard index == bytes.count else { throw JSONRewriter.Malformed() }
        }
        guard !edits.isEmpty else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(document.count + 64 * edits.count)
        var copied = 0
        for edit in edits {
            output.append(contentsOf: document[copied..<edit.range.lowerBound])
            output.append(contentsOf: edit.bytes)
            copied = edit.range.upperBound
        }
        output.append(contentsOf: document[copied...])
        return output
    }

    private mutating func skipSpace() { JSONLexing.skipSpace(bytes, &index) }

    private mutating func expect(_ byte: UInt8) throws {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else { throw JSONRewriter.Malformed() }
        index += 1
    }

    /// Reads one value, noting its edits when `emit` (a dropped member's value is only checked).
    private mutating func value(depth: Int, emit: Bool) throws {
        guard depth < JSONRewriter.maxDepth else { throw JSONRewriter.Malformed() }
        skipSpace()
        guard index < bytes.count else { throw JSONRewriter.Malformed() }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            try object(depth: depth, emit: emit)
        case UInt8(ascii: "["):
            index += 1
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                try value(depth: depth + 1, emit: emit)
                skipSpace()
                guard index < bytes.count else { throw JSONRewriter.Malformed() }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return
                } else {
                    throw JSONRewriter.Malformed()
                }
            }
        case UInt8(ascii: "\""):
            let string = try JSONLexing.scanString(bytes, &index)
            // Without an escape a string of fewer than 13 digits cannot hold a card number.
            guard emit, string.escaped || string.digits >= 13 else { return }
            var output: [UInt8] = []
            JSONLexing.emitString(bytes, string.range, &replacement, context: CardContext(), into: &output, unchanged: false)
            if !output.isEmpty { edits.append((string.range, output)) }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let range = try JSONLexing.number(bytes, &index)
            guard emit, range.count >= 13 else { return }
            var output: [UInt8] = []
            JSONLexing.emitNumber(bytes, range, &replacement, context: CardContext(), into: &output, unchanged: false)
            if !output.isEmpty { edits.append((range, output)) }
        default:
            _ = try JSONLexing.literal(bytes, &index)
        }
    }

    /// An object: a security-code member is removed with one comma beside it, so the rest stays valid.
    private mutating func object(depth: Int, emit: Bool) throws {
        index += 1
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return
        }
        var kept = false
        /// Where the comma before this member is, when the member has one.
        var commaBefore: Int?
        /// A removed member with nothing kept before it: its removal runs through the comma after it.
        var removedFrom: Int?
        while true {
            skipSpace()
            let keyStart = index
            let key = try JSONLexing.scanString(bytes, &index)
            try expect(UInt8(ascii: ":"))
            let raw = bytes[key.range.lowerBound + 1..<key.range.upperBound - 1]
            let kind = key.escaped ? CardFieldNames.kind(JSONString.decode(Array(raw)[...])) : CardFieldNames.kind(raw)
            let drop = kind == .securityCode
            try value(depth: depth + 1, emit: emit && !drop)
            if emit && drop {
                removed += 1
                if kept, let commaBefore {
                    edits.append((commaBefore..<index, []))
                } else {
                    removedFrom = keyStart
                }
            } else {
                kept = true
            }
            skipSpace()
            guard index < bytes.count else { throw JSONRewriter.Malformed() }
            if bytes[index] == UInt8(ascii: ",") {
                if let start = removedFrom {
                    edits.append((start..<index + 1, []))
                    removedFrom = nil
                }
                commaBefore = index
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                if let start = removedFrom { edits.append((start..<index, [])) }
                index += 1
                return
            } else {
                throw JSONRewriter.Malformed()
            }
        }
    }
}
