/// The JSON rewriter for when no card processor needs each card's security code and expiry: one
/// validating pass, no document tree, nothing copied while reading. It notes edits (a card number's
/// token, a security-code member removed) and builds the output only when there is one, leaving
/// every other byte, spacing included, as it was. Same rules as `JSONRewriter`.
///
/// One loop with the open containers on a stack of its own (not a recursive descent): the cursor
/// stays in a register and a token costs no call, which matters because every JSON request of a
/// tokenizing tenant is read this way.
struct JSONStreamRewriter {
    let document: [UInt8]
    var replacement: TokenReplacement
    var removed = 0
    /// Replacements in document order, not overlapping; empty bytes delete the range.
    private var edits: [(range: Range<Int>, bytes: [UInt8])] = []

    init(bytes: [UInt8], replacement: TokenReplacement) {
        self.document = bytes
        self.replacement = replacement
    }

    /// Nil when the document has neither a card number nor a security code.
    mutating func rewrite() throws -> [UInt8]? {
        try document.withUnsafeBufferPointer { try scan($0) }
        if replacement.embeddedTooDeep { throw JSONRewriter.NestedTooDeep() }
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

    /// An open object or array. For an object, what removing a security-code member needs: the member
    /// goes with one comma beside it, so the rest stays valid.
    private struct Container {
        var isObject: Bool
        /// Whether a member before the current one was kept.
        var kept = false
        /// The comma before the current member, or -1 for the first member.
        var commaBefore = -1
        /// A removed member with nothing kept before it: its removal runs through the comma after it (-1: none).
        var removedFrom = -1
        /// Where the current member's name starts.
        var keyStart = 0
        /// Whether the current member is a security code (its value is read, never edited, then removed).
        var dropping = false
    }

    private mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard let base = bytes.baseAddress else { throw JSONRewriter.Malformed() }
        let end = bytes.count
        let maxDepth = JSONRewriter.maxDepth
        try withUnsafeTemporaryAllocation(of: Container.self, capacity: maxDepth) { stack in
            var index = 0
            var depth = 0
            /// Inside a security-code member's value nothing is edited; `droppedAt` is that member's object depth.
            var droppedAt = -1

            /// Set when an object's next member name is due before the next value.
            var memberDue = false
            /// Set when the next value is a GraphQL document's (`query`), read for inline security codes.
            var inlineValue = false

            while true {
                // Locals and inline code only: a nested function capturing `index` would box it, and
                // every access would then be checked for exclusivity at run time.
                if memberDue {
                    // A member's name and colon, then its value.
                    memberDue = false
                    JSONLexing.skipSpace(fast: bytes, &index)
                    let keyStart = index
                    let key = try JSONLexing.scanString(bytes, &index)
                    JSONLexing.skipSpace(fast: bytes, &index)
                    guard index < end, base[index] == UInt8(ascii: ":") else { throw JSONRewriter.Malformed() }
                    index &+= 1
                    let raw = UnsafeBufferPointer(rebasing: bytes[key.range.lowerBound + 1..<key.range.upperBound - 1])
                    let kind = key.escaped ? CardFieldNames.kind(JSONString.decode(Array(raw)[...])) : CardFieldNames.kind(raw[...])
                    let drop = kind == .securityCode && droppedAt < 0
                    stack[depth - 1].keyStart = keyStart
                    stack[depth - 1].dropping = drop
                    inlineValue = kind == .graphQLDocument && droppedAt < 0
                    if drop {
                        droppedAt = depth
                    } else if droppedAt < 0, key.escaped || key.digits >= 13 {
                        // A name is a string like any other: a card number used as a key becomes its token too.
                        noteString(bytes, key.range)
                    }
                }
                // A value starts here.
                let inline = inlineValue
                inlineValue = false
                guard depth < maxDepth else { throw JSONRewriter.Malformed() }
                JSONLexing.skipSpace(fast: bytes, &index)
                guard index < end else { throw JSONRewriter.Malformed() }
                switch base[index] {
                case UInt8(ascii: "\""):
                    let string = try JSONLexing.scanString(bytes, &index)
                    // Without an escape a string of fewer than 13 digits cannot hold a card number.
                    if droppedAt < 0, string.escaped || string.digits >= 13 || inline {
                        noteString(bytes, string.range, inlineFields: inline)
                    }
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    let range = try JSONLexing.number(bytes, &index)
                    if droppedAt < 0, range.count >= 13 { noteNumber(bytes, range) }
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    let isObject = base[index] == UInt8(ascii: "{")
                    index &+= 1
                    JSONLexing.skipSpace(fast: bytes, &index)
                    if index < end, base[index] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        index &+= 1
                    } else {
                        stack[depth] = Container(isObject: isObject)
                        depth &+= 1
                        memberDue = isObject
                        continue
                    }
                default:
                    _ = try JSONLexing.literal(bytes, &index)
                }

                // A value ended: close what it ends, until the next value or the end of the document.
                nextValue: while true {
                    JSONLexing.skipSpace(fast: bytes, &index)
                    guard depth > 0 else {
                        guard index == end else { throw JSONRewriter.Malformed() }
                        return
                    }
                    guard index < end else { throw JSONRewriter.Malformed() }
                    let byte = base[index]
                    guard stack[depth - 1].isObject else {
                        if byte == UInt8(ascii: ",") {
                            index &+= 1
                            break nextValue
                        }
                        guard byte == UInt8(ascii: "]") else { throw JSONRewriter.Malformed() }
                        index &+= 1
                        depth &-= 1
                        continue
                    }
                    // The end of an object member.
                    if stack[depth - 1].dropping {
                        stack[depth - 1].dropping = false
                        droppedAt = -1
                        removed += 1
                        if stack[depth - 1].kept, stack[depth - 1].commaBefore >= 0 {
                            edits.append((stack[depth - 1].commaBefore..<index, []))
                        } else {
                            stack[depth - 1].removedFrom = stack[depth - 1].keyStart
                        }
                    } else {
                        stack[depth - 1].kept = true
                    }
                    if byte == UInt8(ascii: ",") {
                        if stack[depth - 1].removedFrom >= 0 {
                            edits.append((stack[depth - 1].removedFrom..<index + 1, []))
                            stack[depth - 1].removedFrom = -1
                        }
                        stack[depth - 1].commaBefore = index
                        index &+= 1
                        memberDue = true
                        break nextValue
                    }
                    guard byte == UInt8(ascii: "}") else { throw JSONRewriter.Malformed() }
                    if stack[depth - 1].removedFrom >= 0 { edits.append((stack[depth - 1].removedFrom..<index, [])) }
                    index &+= 1
                    depth &-= 1
                }
            }
        }
    }

    /// Notes the edit for a string token (a value or a member name) that holds a card number.
    private mutating func noteString(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, inlineFields: Bool = false) {
        var output: [UInt8] = []
        JSONLexing.emitString(
            bytes, range, &replacement, removed: &removed, context: CardContext(), into: &output, unchanged: false, inlineFields: inlineFields)
        if !output.isEmpty { edits.append((range, output)) }
    }

    /// Notes the edit for a number that is a card number (its token, as a string).
    private mutating func noteNumber(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        var output: [UInt8] = []
        JSONLexing.emitNumber(bytes, range, &replacement, context: CardContext(), into: &output, unchanged: false)
        if !output.isEmpty { edits.append((range, output)) }
    }
}
