import GatehouseCore

/// The field names a multipart part's `Content-Disposition` gives. RFC 7578 names a field with
/// `name`, but servers also read the RFC 2231 spellings (Go's `mime.ParseMediaType`, Python's email
/// parser, Werkzeug): `name*=UTF-8''cvv`, `name*0="cv"; name*1="v"`, `name*0*=UTF-8''c%76; name*1*=v`. A
/// part is as much a security code as any of its names says, so every spelling is returned.
enum DispositionNames {
    /// The names in one `Content-Disposition` value (after the colon), decoded.
    static func names(in value: some Collection<UInt8>) -> [[UInt8]] {
        var names: [[UInt8]] = []
        var plain: [UInt8]?
        var pieces: [(index: Int, value: [UInt8])] = []
        for (attribute, raw) in parameters(Array(value)) {
            if attribute == Array("name".utf8) {
                names.append(raw)
                plain = plain ?? raw
            } else if attribute == Array("name*".utf8) {
                names.append(extendedValue(raw))
            } else if attribute.starts(with: Array("name*".utf8)) {
                // A continuation: `name*N` (as written) or `name*N*` (percent-encoded). Any number of
                // digits, leading zeros included, as Python's parsers read them.
                var rest = attribute.dropFirst(5)
                let encoded = rest.last == UInt8(ascii: "*")
                if encoded { rest = rest.dropLast() }
                guard !rest.isEmpty, rest.allSatisfy(\.isASCIIDigit) else { continue }
                let digits = rest.drop { $0 == UInt8(ascii: "0") }
                let index = digits.count > 6 ? Int.max : digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
                let decoded = !encoded ? raw : index == 0 ? extendedValue(raw) : Percent.decode(raw[...], plusIsSpace: false)
                pieces.append((index, decoded))
            }
        }
        if !pieces.isEmpty {
            // Parsers join the pieces by number or in the order they came, some after a plain `name`
            // (Werkzeug): every joining is a name the part may go by.
            let sorted = pieces.sorted { $0.index < $1.index }.flatMap(\.value)
            let inOrder = pieces.flatMap(\.value)
            names += [sorted, inOrder]
            if let plain { names.append(plain + inOrder) }
        }
        return names
    }

    /// `charset'language'percent-encoded` (RFC 2231 §4, RFC 8187): the text after the second quote,
    /// decoded (field names are ASCII in any charset a form is sent in); without the quotes, all of it.
    private static func extendedValue(_ raw: [UInt8]) -> [UInt8] {
        let quotes = raw.indices.filter { raw[$0] == UInt8(ascii: "'") }
        let text = quotes.count >= 2 ? raw[(quotes[1] + 1)...] : raw[...]
        return Percent.decode(text, plusIsSpace: false)
    }

    /// The `attribute=value` parameters after the disposition type, attributes lowercased, quoted
    /// values unquoted (a quoted value may hold ';', and `\` escapes the next character).
    static func parameters(_ bytes: [UInt8]) -> [(attribute: [UInt8], value: [UInt8])] {
        var result: [(attribute: [UInt8], value: [UInt8])] = []
        guard var index = bytes.firstIndex(of: UInt8(ascii: ";")) else { return result }
        let end = bytes.count
        while index < end {
            index += 1  // past ';'
            while index < end, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
            let attributeStart = index
            while index < end, bytes[index] != UInt8(ascii: "="), bytes[index] != UInt8(ascii: ";") { index += 1 }
            var attribute = Array(bytes[attributeStart..<index]).map(\.asciiLowercased)
            while let last = attribute.last, last == 0x20 || last == 0x09 { attribute.removeLast() }
            guard index < end, bytes[index] == UInt8(ascii: "=") else { continue }
            index += 1
            while index < end, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
            var value: [UInt8] = []
            if index < end, bytes[index] == UInt8(ascii: "\"") {
                index += 1
                while index < end, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\"), index + 1 < end { index += 1 }
                    value.append(bytes[index])
                    index += 1
                }
                // Past the closing quote, then to the next ';'.
                while index < end, bytes[index] != UInt8(ascii: ";") { index += 1 }
            } else {
                let valueStart = index
                while index < end, bytes[index] != UInt8(ascii: ";") { index += 1 }
                value = Array(bytes[valueStart..<index])
                while let last = value.last, last == 0x20 || last == 0x09 { value.removeLast() }
            }
            result.append((attribute, value))
        }
        return result
    }
}
