/// Rewrites a JSON document: card numbers in strings (any depth) and integer numbers become
/// tokens (a number becomes a string), security-code members are removed with their values.
/// Unchanged values are copied byte for byte; the document is re-emitted without insignificant space.
struct JSONRewriter {
    indirect enum Value {
        case object([(key: Range<Int>, kind: CardFieldNames.Kind, value: Value)])
        case array([Value])
        case string(Range<Int>)
        case number(Range<Int>)
        case literal(Range<Int>)
    }

    struct Malformed: Error {}
    /// A document inside a string lay deeper than `TokenReplacement.maxEmbeddingDepth`.
    struct NestedTooDeep: Error {}

    static let maxDepth = 128

    let bytes: [UInt8]
    var replacement: TokenReplacement
    var removed = 0

    /// Nil when the document has neither a card number nor a security code.
    mutating func rewrite() throws -> [UInt8]? {
        var parser = Parser(bytes: bytes)
        let root = try parser.document()
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 64)
        // The replacement may come with tokens counted already (a document inside another value).
        let tokenizedBefore = replacement.tokenized
        emit(root, context: CardContext(), into: &output)
        if replacement.embeddedTooDeep { throw NestedTooDeep() }
        return replacement.tokenized == tokenizedBefore && removed == 0 ? nil : output
    }

    /// Whether `bytes` are one JSON document by the rules the rewriters read.
    static func parses(_ bytes: [UInt8]) -> Bool {
        var parser = Parser(bytes: bytes)
        return (try? parser.document()) != nil
    }

    private mutating func emit(_ value: Value, context: CardContext, into output: inout [UInt8]) {
        switch value {
        case .object(let members):
            var context = CardContext()
            for member in members where member.kind != .other { context.note(kind: member.kind, value: scalarBytes(member.value)) }
            output.append(UInt8(ascii: "{"))
            var first = true
            for member in members {
                if member.kind == .securityCode {
                    removed += 1
                    continue
                }
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                // A name is a string like any other: a card number used as a key becomes its token too.
                JSONLexing.emitString(bytes, member.key, &replacement, removed: &removed, context: context, into: &output)
                output.append(UInt8(ascii: ":"))
                if member.kind == .graphQLDocument, case .string(let range) = member.value {
                    JSONLexing.emitString(bytes, range, &replacement, removed: &removed, context: context, into: &output, inlineFields: true)
                } else {
                    emit(member.value, context: context, into: &output)
                }
            }
            output.append(UInt8(ascii: "}"))
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                emit(element, context: context, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .string(let range):
            JSONLexing.emitString(bytes, range, &replacement, removed: &removed, context: context, into: &output)
        case .number(let range):
            JSONLexing.emitNumber(bytes, range, &replacement, context: context, into: &output)
        case .literal(let range):
            output.append(contentsOf: bytes[range])
        }
    }

    /// A scalar member's value as text, for the card context.
    private func scalarBytes(_ value: Value) -> [UInt8] {
        switch value {
        case .string(let range): return JSONString.decode(bytes[range.lowerBound + 1..<range.upperBound - 1])
        case .number(let range): return Array(bytes[range])
        default: return []
        }
    }

    /// RFC 8259 syntax, with a depth limit.
    struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func document() throws -> Value {
            let value = try parseValue(depth: 0)
            skipSpace()
            guard index == bytes.count else { throw Malformed() }
            return value
        }

        private mutating func skipSpace() { JSONLexing.skipSpace(bytes, &index) }

        private mutating func parseValue(depth: Int) throws -> Value {
            guard depth < JSONRewriter.maxDepth else { throw Malformed() }
            skipSpace()
            guard index < bytes.count else { throw Malformed() }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var members: [(key: Range<Int>, kind: CardFieldNames.Kind, value: Value)] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                }
                while true {
                    skipSpace()
                    let key = try parseString()
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw Malformed() }
                    index += 1
                    let value = try parseValue(depth: depth + 1)
                    let raw = bytes[key.lowerBound + 1..<key.upperBound - 1]
                    let kind = CardFieldNames.kind(raw.contains(UInt8(ascii: "\\")) ? JSONString.decode(raw)[...] : raw)
                    members.append((key, kind, value))
                    skipSpace()
                    guard index < bytes.count else { throw Malformed() }
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                    } else if bytes[index] == UInt8(ascii: "}") {
                        index += 1
                        return .object(members)
                    } else {
                        throw Malformed()
                    }
                }
            case UInt8(ascii: "["):
                index += 1
                var elements: [Value] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(elements)
                }
                while true {
                    elements.append(try parseValue(depth: depth + 1))
                    skipSpace()
                    guard index < bytes.count else { throw Malformed() }
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                    } else if bytes[index] == UInt8(ascii: "]") {
                        index += 1
                        return .array(elements)
                    } else {
                        throw Malformed()
                    }
                }
            case UInt8(ascii: "\""):
                return .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return .number(try JSONLexing.number(bytes, &index))
            default:
                return .literal(try JSONLexing.literal(bytes, &index))
            }
        }

        private mutating func parseString() throws -> Range<Int> {
            var cursor = index
            defer { index = cursor }
            return try bytes.withUnsafeBufferPointer { try JSONLexing.scanString($0, &cursor).range }
        }
    }
}
/// JSON string escapes, decoded to UTF-8 bytes and encoded back.
enum JSONString {
    static func decode(_ raw: ArraySlice<UInt8>) -> [UInt8] {
        guard raw.contains(UInt8(ascii: "\\")) else { return Array(raw) }
        var output: [UInt8] = []
        output.reserveCapacity(raw.count)
        var index = raw.startIndex
        var pendingHigh: UInt32?
        while index < raw.endIndex {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < raw.endIndex else {
                output.append(byte)
                index += 1
                continue
            }
            let escape = raw[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "u"):
                guard index + 4 <= raw.endIndex, let code = UInt32(String(decoding: raw[index..<index + 4], as: UTF8.self), radix: 16) else {
                    continue
                }
                index += 4
                var scalarValue = code
                if (0xD800...0xDBFF).contains(code) {
                    pendingHigh = code
                    continue
                }
                if (0xDC00...0xDFFF).contains(code), let high = pendingHigh {
                    scalarValue = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)
                }
                pendingHigh = nil
                if let scalar = Unicode.Scalar(scalarValue) { output.append(contentsOf: String(Character(scalar)).utf8) }
            default: output.append(escape)
            }
        }
        return output
    }

    static func encode(_ value: [UInt8], into output: inout [UInt8]) {
        output.reserveCapacity(output.count + value.count + 2)
        output.append(UInt8(ascii: "\""))
        // Tokens and most rewritten strings need no escape: copied whole.
        if !value.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            output.append(contentsOf: value)
            output.append(UInt8(ascii: "\""))
            return
        }
        for byte in value {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                output.append(UInt8(ascii: "\\"))
                output.append(byte)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default:
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
