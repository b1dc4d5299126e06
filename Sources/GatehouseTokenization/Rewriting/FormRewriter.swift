import GatehouseCore

/// Rewrites `application/x-www-form-urlencoded` data and query strings: values are decoded
/// ('+' is a space), card numbers become tokens, security-code fields are dropped, and a value that
/// is a JSON document is rewritten as one. Pairs without a card number are copied untouched.
struct FormRewriter {
    var replacement: TokenReplacement
    var removed = 0

    /// Nil when nothing changed. Pairs are separated by '&' or by ';' (which older frameworks also
    /// split on, so a security code after a ';' is a field to them); each kept pair keeps its separator.
    mutating func rewrite(_ bytes: [UInt8]) -> [UInt8]? {
        let pairs = bytes.split(omittingEmptySubsequences: false) { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: ";") }
        var context = CardContext()
        let decoded = pairs.map { pair -> (name: [UInt8], value: [UInt8], kind: CardFieldNames.Kind) in
            let equals = pair.firstIndex(of: UInt8(ascii: "=")) ?? pair.endIndex
            let name = Percent.decode(pair[pair.startIndex..<equals])
            let value = equals < pair.endIndex ? Percent.decode(pair[(equals + 1)...]) : []
            let kind = CardFieldNames.kind(name[...])
            context.note(kind: kind, value: value)
            return (name, value, kind)
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 64)
        var changed = false
        var first = true
        for (pair, field) in zip(pairs, decoded) {
            // A value that looks like JSON but does not parse, holding what only a JSON reading would have
            // removed (`{"cvv":"123","a":NaN}`, an escaped digit), is dropped like a security code: lenient
            // parsers upstream read it anyway.
            if field.kind == .securityCode
                || (JSONText.looksLikeJSON(field.value) && RequestTokenizer.holdsJSONOnlyCardData(field.value) && !JSONRewriter.parses(field.value))
            {
                removed += 1
                changed = true
                continue
            }
            // The separator this pair followed in the original (none for the first kept pair).
            if !first { output.append(pair.startIndex > 0 ? bytes[pair.startIndex - 1] : UInt8(ascii: "&")) }
            first = false
            let nameReplaced = replacement.replacing(in: field.name, context: context)
            // A GraphQL document (`?query=mutation{pay(cvv:"123")}`): its inline security codes go.
            var value = field.value
            let cut = field.kind == .graphQLDocument && InlineSecurityCodes.remove(from: &value, counting: &removed)
            // A JSON document as a value (`payload={"card":…,"cvv":…}`) is read by the JSON rules, so its security codes go too.
            let valueReplaced = JSONLexing.rewriteEmbeddedJSON(value, &replacement, removed: &removed)
                ?? replacement.replacing(in: value, context: context) ?? (cut ? value : nil)
            if nameReplaced == nil && valueReplaced == nil {
                output.append(contentsOf: pair)
                continue
            }
            changed = true
            // A name without a card keeps its original spelling (a cookie's leading space, its escapes).
            let equals = pair.firstIndex(of: UInt8(ascii: "=")) ?? pair.endIndex
            if let nameReplaced { Percent.encode(nameReplaced, into: &output) } else { output.append(contentsOf: pair[pair.startIndex..<equals]) }
            if pair.contains(UInt8(ascii: "=")) {
                output.append(UInt8(ascii: "="))
                Percent.encode(valueReplaced ?? value, into: &output)
            }
        }
        return changed ? output : nil
    }
}

/// Percent-encoding as forms (and, without '+' for space, paths) use it.
enum Percent {
    static func decode(_ raw: ArraySlice<UInt8>, plusIsSpace: Bool = true) -> [UInt8] {
        PercentDecoding.decode(raw, plusIsSpace: plusIsSpace)
    }

    /// `inPath`: the characters a path segment may hold as they are (RFC 3986 sub-delims, ':' and '@')
    /// stay, so `;v=1` in a rewritten segment keeps its meaning.
    static func encode(_ value: [UInt8], into output: inout [UInt8], inPath: Bool = false) {
        let digits = Array("0123456789ABCDEF".utf8)
        for byte in value {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "*"):
                output.append(byte)
            case _ where inPath && "!$&'()+,;=:@".utf8.contains(byte):
                output.append(byte)
            default:
                output.append(contentsOf: [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
            }
        }
    }
}
