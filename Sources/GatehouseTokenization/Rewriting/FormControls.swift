/// HTML (and XML) form controls that carry a security code in one attribute and name it in another:
/// `<input name="cvv" value="123">`, `<input id=card_cvc value=123>`. A page posted back as markup
/// (a saved form, a rendered receipt) holds the code there, where neither an element nor an
/// attribute is named as one.
enum FormControls {
    /// The `value` attributes (each with the space before it) of start tags whose `name` or `id`
    /// names a security code; values quoted either way or not at all, names in any case.
    static func securityCodeValues(in bytes: [UInt8]) -> [Range<Int>] {
        var cuts: [Range<Int>] = []
        for (_, _, tag) in MarkupRewriter.startTags(in: bytes) {
            let attributes = Self.attributes(of: tag)
            let namesCode = attributes.contains { attribute in
                let name = attribute.name.map(\.asciiLowercased)
                return (name == Array("name".utf8) || name == Array("id".utf8)) && CardFieldNames.kind(bytes[attribute.value]) == .securityCode
            }
            guard namesCode else { continue }
            for attribute in attributes where attribute.name.map(\.asciiLowercased) == Array("value".utf8) { cuts.append(attribute.whole) }
        }
        return cuts
    }

    /// The attributes of a start tag's inside (after `<`, before `>`), as HTML writes them: quoted
    /// with `"` or `'`, unquoted up to a space, or without a value. Ranges index the whole document.
    static func attributes(of tag: ArraySlice<UInt8>) -> [(name: ArraySlice<UInt8>, whole: Range<Int>, value: Range<Int>)] {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C }
        var result: [(ArraySlice<UInt8>, Range<Int>, Range<Int>)] = []
        let end = tag.endIndex
        var index = tag.startIndex
        // The element name.
        while index < end, !isSpace(tag[index]), tag[index] != UInt8(ascii: "/") { index += 1 }
        while index < end {
            let start = index
            while index < end, isSpace(tag[index]) || tag[index] == UInt8(ascii: "/") { index += 1 }
            let nameStart = index
            while index < end, !isSpace(tag[index]), tag[index] != UInt8(ascii: "="), tag[index] != UInt8(ascii: "/") { index += 1 }
            let name = tag[nameStart..<index]
            guard !name.isEmpty else { break }
            var cursor = index
            while cursor < end, isSpace(tag[cursor]) { cursor += 1 }
            guard cursor < end, tag[cursor] == UInt8(ascii: "=") else { continue }  // an attribute without a value
            cursor += 1
            while cursor < end, isSpace(tag[cursor]) { cursor += 1 }
            let value: Range<Int>
            if cursor < end, tag[cursor] == UInt8(ascii: "\"") || tag[cursor] == UInt8(ascii: "'") {
                let quote = tag[cursor]
                guard let closing = tag[(cursor + 1)...].firstIndex(of: quote) else { break }
                value = cursor + 1..<closing
                index = closing + 1
            } else {
                let valueStart = cursor
                while cursor < end, !isSpace(tag[cursor]) { cursor += 1 }
                value = valueStart..<cursor
                index = cursor
            }
            result.append((name, start..<index, value))
        }
        return result
    }
}
