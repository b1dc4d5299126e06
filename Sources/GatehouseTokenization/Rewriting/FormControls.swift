import GatehouseCore

/// HTML (and XML) form controls that carry a security code in one attribute and name it in another:
/// `<input name="cvv" value="123">`, `<input id=card_cvc value=123>`, `<textarea name="cvv">123</textarea>`.
/// A page posted back as markup (a saved form, a rendered receipt) holds the code there, where
/// neither an element nor an attribute is named as one.
enum FormControls {
    /// What to cut, in document order and not overlapping: the non-empty `value` attributes (each
    /// with the space before it) of start tags whose `name` or `id` names a security code, and the
    /// text of such a `textarea`. One pass: each tag is read once, quotes respected, to its `>`.
    static func securityCodeValues(in bytes: [UInt8]) -> [Range<Int>] {
        var cuts: [Range<Int>] = []
        var index = 0
        // The last search for `</textarea`: where it started and what it found. Searches start further
        // on each time, so one that starts between the two finds the same (each byte is read once).
        var lastSearch: (from: Int, found: Int?)?
        while let open = bytes[index...].firstIndex(of: UInt8(ascii: "<")) {
            index = open + 1
            guard index < bytes.count, bytes[index].isASCIILetter else { continue }
            let (attributes, close) = Self.tag(in: bytes, from: index)
            let namesCode = attributes.contains { namesSecurityCode($0, in: bytes) }
            if namesCode {
                for attribute in attributes where attribute.name.equalsLowercase("value") && !attribute.value.isEmpty {
                    cuts.append(attribute.whole)
                }
                if bytes[index..<min(index + 8, bytes.count)].equalsLowercase("textarea"), let close {
                    let from = close + 1
                    let end: Int?
                    if let last = lastSearch, from >= last.from, last.found.map({ from <= $0 }) ?? true {
                        end = last.found
                    } else {
                        end = Self.closingTextarea(in: bytes, from: from)
                        lastSearch = (from, end)
                    }
                    if let end, end > from { cuts.append(from..<end) }
                }
            }
            guard let close else { break }
            index = close + 1
        }
        return cuts
    }

    /// Whether the attribute says its control holds a security code: a `name` or `id` naming one (as a
    /// browser reads the value: `c&#118;v` is `cvv`), or the autofill token `cc-csc` in `autocomplete`
    /// (HTML's own name for the field, whatever the control is called).
    private static func namesSecurityCode(_ attribute: Attribute, in bytes: [UInt8]) -> Bool {
        let raw = bytes[attribute.value]
        let isName = attribute.name.equalsLowercase("name") || attribute.name.equalsLowercase("id")
        guard isName || attribute.name.equalsLowercase("autocomplete") else { return false }
        let value = raw.contains(UInt8(ascii: "&")) ? CharacterReferences.decodedAttributeValue(raw)[...] : raw
        if isName { return CardFieldNames.kind(value) == .securityCode }
        return value.split(whereSeparator: isSpace).contains { $0.equalsLowercase("cc-csc") }
    }

    /// The attributes of the tag whose name starts at `start`, and the index of its `>` (nil when the
    /// document ends first). HTML's rules: values quoted with `"` or `'` (which may hold `>`),
    /// unquoted up to a space or `>`, or absent.
    static func tag(in bytes: [UInt8], from start: Int) -> (attributes: [Attribute], close: Int?) {
        var attributes: [Attribute] = []
        let end = bytes.count
        var index = start
        while index < end, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: "/"), bytes[index] != UInt8(ascii: ">") { index += 1 }
        while index < end {
            let attributeStart = index
            while index < end, isSpace(bytes[index]) || bytes[index] == UInt8(ascii: "/") { index += 1 }
            guard index < end else { break }
            if bytes[index] == UInt8(ascii: ">") { return (attributes, index) }
            let nameStart = index
            // A name runs to a space, '/', '>' or '='; a stray '=' (no name) is stepped over.
            while index < end, !isSpace(bytes[index]), !"/>=".utf8.contains(bytes[index]) { index += 1 }
            if index == nameStart { index += 1; continue }
            let name = bytes[nameStart..<index]
            var cursor = index
            while cursor < end, isSpace(bytes[cursor]) { cursor += 1 }
            guard cursor < end, bytes[cursor] == UInt8(ascii: "=") else { continue }  // no value
            cursor += 1
            while cursor < end, isSpace(bytes[cursor]) { cursor += 1 }
            let value: Range<Int>
            if cursor < end, bytes[cursor] == UInt8(ascii: "\"") || bytes[cursor] == UInt8(ascii: "'") {
                guard let closing = bytes[(cursor + 1)...].firstIndex(of: bytes[cursor]) else { return (attributes, nil) }
                value = cursor + 1..<closing
                index = closing + 1
            } else {
                let valueStart = cursor
                while cursor < end, !isSpace(bytes[cursor]), bytes[cursor] != UInt8(ascii: ">") { cursor += 1 }
                value = valueStart..<cursor
                index = cursor
            }
            attributes.append(Attribute(name: name, whole: attributeStart..<index, value: value))
        }
        return (attributes, nil)
    }

    struct Attribute {
        let name: ArraySlice<UInt8>
        /// The attribute with the space before it: what is cut.
        let whole: Range<Int>
        let value: Range<Int>
    }

    /// Where `</textarea` (any case) begins after `from`.
    private static func closingTextarea(in bytes: [UInt8], from: Int) -> Int? {
        var index = from
        while let open = bytes[index...].firstIndex(of: UInt8(ascii: "<")) {
            if bytes[(open + 1)..<min(open + 10, bytes.count)].equalsLowercase("/textarea") { return open }
            index = open + 1
        }
        return nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C
    }
}

extension ArraySlice<UInt8> {
    /// Whether these bytes spell `lowercase` (lowercase ASCII) but for ASCII case.
    fileprivate func equalsLowercase(_ lowercase: StaticString) -> Bool {
        count == lowercase.utf8CodeUnitCount && zip(self, UnsafeBufferPointer(start: lowercase.utf8Start, count: count)).allSatisfy { $0.asciiLowercased == $1 }
    }
}
