/// Rewrites XML and any other text by scanning its bytes. In XML, elements named as security codes
/// (`<cvv>123</cvv>`, any namespace prefix, any case) are removed with their content, and expiry
/// elements travel to the processor with the number.
struct MarkupRewriter {
    var replacement: TokenReplacement
    var removed = 0

    mutating func rewrite(_ bytes: [UInt8], isXML: Bool) -> [UInt8]? {
        var context = CardContext()
        var body = bytes
        if isXML {
            var kept: [UInt8] = []
            var copied = 0
            for element in Self.simpleElements(in: bytes) {
                let kind = CardFieldNames.kind(Array(element.name.utf8)[...])
                context.note(kind: kind, value: Array(bytes[element.content]))
                guard kind == .securityCode, element.whole.lowerBound >= copied else { continue }
                kept.append(contentsOf: bytes[copied..<element.whole.lowerBound])
                copied = element.whole.upperBound
                removed += 1
            }
            if removed > 0 {
                kept.append(contentsOf: bytes[copied...])
                body = kept
            }
        }
        let replaced = replacement.replacing(in: body, context: context)
        return replaced ?? (removed > 0 ? body : nil)
    }

    /// Elements whose content is text only: `<name …>text</name>`, with the local name.
    static func simpleElements(in bytes: [UInt8]) -> [(name: String, whole: Range<Int>, content: Range<Int>)] {
        var result: [(String, Range<Int>, Range<Int>)] = []
        var index = 0
        while let open = bytes[index...].firstIndex(of: UInt8(ascii: "<")) {
            index = open + 1
            guard let close = bytes[index...].firstIndex(of: UInt8(ascii: ">")) else { break }
            let tag = bytes[index..<close]
            guard let first = tag.first, first != UInt8(ascii: "/"), first != UInt8(ascii: "?"), first != UInt8(ascii: "!"),
                  tag.last != UInt8(ascii: "/")
            else { continue }
            let qualified = tag.prefix { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
            let contentStart = close + 1
            guard let nextOpen = bytes[contentStart...].firstIndex(of: UInt8(ascii: "<")) else { break }
            let end = Array("</".utf8) + Array(qualified) + [UInt8(ascii: ">")]
            guard bytes[nextOpen...].starts(with: end) else { continue }
            let local = qualified.split(separator: UInt8(ascii: ":")).last.map { String(decoding: $0, as: UTF8.self) } ?? ""
            result.append((local, open..<nextOpen + end.count, contentStart..<nextOpen))
            index = nextOpen + end.count
        }
        return result
    }
}
