import GatehouseCore

/// Rewrites XML and any other text by scanning its bytes. In text, inline security codes
/// (`cvv: 123`) are removed with their values. In XML, elements and attributes named as
/// security codes (`<cvv>123</cvv>`, `<cvv><![CDATA[123]]></cvv>`, `<card cvv="123"/>`, any namespace
/// prefix, any case) are removed with their content, and expiry elements and attributes travel to
/// the processor with the number.
struct MarkupRewriter {
    var replacement: TokenReplacement
    var removed = 0

    /// `context`: what travelled with the text already (a multipart body's other parts).
    /// `inlineFields`: the text is of a kind that writes fields inline (plain text, GraphQL, YAML), not
    /// a script or a file, where `cvv = "…"` is code or chance.
    mutating func rewrite(_ bytes: [UInt8], isXML: Bool, inlineFields: Bool = false, context: CardContext = CardContext()) -> [UInt8]? {
        var context = context
        var body = bytes
        // Form controls holding a security code (`<input name="cvv" value="123">`), in HTML or XML.
        let controlCuts = bytes.contains(UInt8(ascii: "<")) ? FormControls.securityCodeValues(in: bytes) : []
        if !isXML, !controlCuts.isEmpty { body = Self.cutting(controlCuts, from: bytes, removed: &removed) }
        if isXML {
            // Security-code elements and attributes (`<card cvv="123"/>`) are cut out; none overlaps another.
            var cuts: [Range<Int>] = []
            for element in Self.simpleElements(in: bytes) {
                let kind = CardFieldNames.kind(Array(element.name.utf8)[...])
                context.note(kind: kind, value: Array(bytes[element.content]))
                guard kind == .securityCode, element.whole.lowerBound >= (cuts.last?.upperBound ?? 0) else { continue }
                cuts.append(element.whole)
            }
            for element in Self.emptyElements(in: bytes) where CardFieldNames.kind(Array(element.name.utf8)[...]) == .securityCode {
                // `<cvv value="123"/>`: the whole tag.
                if !cuts.contains(where: { $0.overlaps(element.whole) }) { cuts.append(element.whole) }
            }
            for attribute in Self.attributes(in: bytes) {
                let kind = Self.attributeKind(attribute.name)
                context.note(kind: kind, value: Array(bytes[attribute.value]))
                guard kind == .securityCode, !cuts.contains(where: { $0.overlaps(attribute.whole) }) else { continue }
                cuts.append(attribute.whole)
            }
            for cut in controlCuts where !cuts.contains(where: { $0.overlaps(cut) }) { cuts.append(cut) }
            if !cuts.isEmpty { body = Self.cutting(cuts, from: bytes, removed: &removed) }
        }
        // In text (not XML, where a name before ':' may be a namespace prefix): `cvv: 123`, GraphQL
        // arguments sent as application/graphql.
        if inlineFields, !isXML { _ = InlineSecurityCodes.remove(from: &body, counting: &removed) }
        // A card number spelled in character references is read as the application reads it.
        var referencesDecoded = false
        if let decoded = CharacterReferences.decodingCardCharacters(body), Self.holdsCardNumber(decoded) {
            body = decoded
            referencesDecoded = true
        }
        let replaced = replacement.replacing(in: body, context: context)
        return replaced ?? (removed > 0 || referencesDecoded ? body : nil)
    }

    /// `bytes` without the given ranges, each one cut counted as a removed security code.
    static func cutting(_ cuts: [Range<Int>], from bytes: [UInt8], removed: inout Int) -> [UInt8] {
        var kept: [UInt8] = []
        var copied = 0
        // A cut overlapping the one before it is already gone with it (and not counted again).
        for cut in cuts.sorted(by: { $0.lowerBound < $1.lowerBound }) where cut.lowerBound >= copied {
            kept.append(contentsOf: bytes[copied..<cut.lowerBound])
            copied = cut.upperBound
            removed += 1
        }
        kept.append(contentsOf: bytes[copied...])
        return kept
    }

    static func holdsCardNumber(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { PANDetector.containsPAN($0) } || UnicodeDigits.holdCardNumber(bytes)
    }

    /// Sections inside an element that leave its content text: CDATA, comments, processing instructions.
    private static let textSections: [(open: [UInt8], close: [UInt8])] = [
        (Array("<![CDATA[".utf8), Array("]]>".utf8)), (Array("<!--".utf8), Array("-->".utf8)), (Array("<?".utf8), Array("?>".utf8)),
    ]

    /// Elements whose content is text only: `<name …>text</name>`, with the local name.
    static func simpleElements(in bytes: [UInt8]) -> [(name: String, whole: Range<Int>, content: Range<Int>)] {
        var result: [(String, Range<Int>, Range<Int>)] = []
        var index = 0
        var unclosedFrom = [Int](repeating: .max, count: textSections.count)
        for (open, close, tag) in startTags(in: bytes) where open >= index && tag.last != UInt8(ascii: "/") {
            let qualified = tag.prefix { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
            let contentStart = close + 1
            guard var nextOpen = bytes[contentStart...].firstIndex(of: UInt8(ascii: "<")) else { break }
            // Text in CDATA sections (`<cvv><![CDATA[12]]><![CDATA[3]]></cvv>`) and around comments is
            // still text only.
            var textOnly = true
            while let section = Self.textSections.firstIndex(where: { bytes[nextOpen...].starts(with: $0.open) }) {
                // A section found unclosed from some point on is not searched for again (that would be quadratic).
                guard nextOpen < unclosedFrom[section] else {
                    textOnly = false
                    break
                }
                guard let sectionEnd = bytes[nextOpen...].firstBytes(Self.textSections[section].close) else {
                    unclosedFrom[section] = nextOpen
                    textOnly = false
                    break
                }
                guard let after = bytes[sectionEnd.upperBound...].firstIndex(of: UInt8(ascii: "<")) else {
                    textOnly = false
                    break
                }
                nextOpen = after
            }
            guard textOnly else { continue }
            // `</name>`, with space allowed before the '>'.
            let end = Array("</".utf8) + Array(qualified)
            guard bytes[nextOpen...].starts(with: end) else { continue }
            var endClose = nextOpen + end.count
            while endClose < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[endClose]) { endClose += 1 }
            guard endClose < bytes.count, bytes[endClose] == UInt8(ascii: ">") else { continue }
            result.append((localName(qualified), open..<endClose + 1, contentStart..<nextOpen))
            index = endClose + 1
        }
        return result
    }

    /// Attributes of start tags, with the local name, the value (inside its quotes) and the whole
    /// attribute from the space before it, so cutting it leaves a well-formed tag.
    static func attributes(in bytes: [UInt8]) -> [(name: String, whole: Range<Int>, value: Range<Int>)] {
        var result: [(String, Range<Int>, Range<Int>)] = []
        let space: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        var index = 0
        while let open = bytes[index...].firstIndex(of: UInt8(ascii: "<")) {
            index = open + 1
            guard index < bytes.count, ![UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "!")].contains(bytes[index]) else { continue }
            // The element name, then attributes until '>' (a quoted value may hold '>'); a '<' ends both.
            while index < bytes.count, !space.contains(bytes[index]), bytes[index] != UInt8(ascii: ">"), bytes[index] != UInt8(ascii: "<") { index += 1 }
            while index < bytes.count, bytes[index] != UInt8(ascii: ">"), bytes[index] != UInt8(ascii: "<") {
                let start = index
                while index < bytes.count, space.contains(bytes[index]) { index += 1 }
                let nameStart = index
                while index < bytes.count, !space.contains(bytes[index]), !"=/><".utf8.contains(bytes[index]) { index += 1 }
                let name = bytes[nameStart..<index]
                while index < bytes.count, space.contains(bytes[index]) { index += 1 }
                guard !name.isEmpty, index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
                    if index == start { index += 1 }  // '/' of an empty-element tag
                    continue
                }
                index += 1
                while index < bytes.count, space.contains(bytes[index]) { index += 1 }
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else { break }
                let quote = bytes[index]
                guard let closing = bytes[(index + 1)...].firstIndex(of: quote) else { return result }
                result.append((localName(name), start..<closing + 1, index + 1..<closing))
                index = closing + 1
            }
        }
        return result
    }

    /// An attribute's kind. In OpenTravel XML `CardCode` is the card's issuer (`VI`) and `SeriesCode` its
    /// security code, so attributes read those two the other way round from field names.
    static func attributeKind(_ name: String) -> CardFieldNames.Kind {
        switch name.lowercased() {
        case "cardcode": .other
        case "seriescode": .securityCode
        default: CardFieldNames.kind(Array(name.utf8)[...])
        }
    }

    /// Empty-element tags (`<name …/>`), with the local name.
    static func emptyElements(in bytes: [UInt8]) -> [(name: String, whole: Range<Int>)] {
        startTags(in: bytes).filter { $0.tag.last == UInt8(ascii: "/") }.map { open, close, tag in
            (localName(tag.prefix { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D && $0 != UInt8(ascii: "/") }), open..<close + 1)
        }
    }

    /// Start tags (`<name …>`, `<name …/>`; not end tags, declarations or comments): where each opens and
    /// closes, and what is between its brackets.
    static func startTags(in bytes: [UInt8]) -> [(open: Int, close: Int, tag: ArraySlice<UInt8>)] {
        var result: [(Int, Int, ArraySlice<UInt8>)] = []
        var index = 0
        while let open = bytes[index...].firstIndex(of: UInt8(ascii: "<")) {
            index = open + 1
            // A tag holds no '<' (XML allows none in attribute values): a '<' first starts the next
            // candidate, so each byte is read a bounded number of times (`<<<<…>` stays linear).
            guard let close = bytes[index...].firstIndex(where: { $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "<") }) else { break }
            guard bytes[close] == UInt8(ascii: ">") else { continue }
            let tag = bytes[index..<close]
            // A name starts with a letter, '_', ':' or a non-ASCII character: not '/', '?', '!' or a space.
            guard let first = tag.first, first.isASCIILetter || first == UInt8(ascii: "_") || first == UInt8(ascii: ":") || first >= 0x80
            else { continue }
            result.append((open, close, tag))
        }
        return result
    }

    /// The name after any namespace prefix.
    private static func localName(_ qualified: ArraySlice<UInt8>) -> String {
        qualified.split(separator: UInt8(ascii: ":")).last.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
