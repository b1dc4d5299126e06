import GatehouseCore

/// The compressed streams of a PDF (ISO 32000 §7.3.8): a generated invoice's or a filled form's
/// text is drawn from FlateDecode content streams, and a PDF 1.5 file keeps its form field values in
/// compressed object streams, so a card number in either is not in the file's bytes as written.
/// Streams are found by their keyword after a dictionary and a zlib header; what they draw is read
/// as a viewer lays it out, so a number split by kerning (`[(4111 11) -15 (11 1111…)] TJ`) reads whole.
enum PDFStreams {
    /// Calls `body` with the inflated contents of each FlateDecode stream of a PDF in `bytes`.
    static func each(in bytes: UnsafeRawBufferPointer, budget: ContentsBudget, _ body: (ContentsReader) throws -> Void) throws {
        guard let header = ByteSearch.first("%PDF-", in: bytes) else { return }
        var from = header + 5
        while let start = ByteSearch.first("stream", in: bytes, from: from) {
            from = start + 6
            // `>> stream` then an end of line: the keyword itself, not `endstream` or a word in text.
            var before = start
            while before > 0, isSpace(bytes[before - 1]) { before -= 1 }
            guard before >= 2, bytes[before - 1] == UInt8(ascii: ">"), bytes[before - 2] == UInt8(ascii: ">") else { continue }
            var data = from
            if data < bytes.count, bytes[data] == 0x0D { data += 1 }
            guard data < bytes.count, bytes[data] == 0x0A, data + 2 < bytes.count else { continue }
            data += 1
            // FlateDecode alone, or after ASCII85Decode or ASCIIHexDecode (ReportLab writes A85 by default).
            var decoded: [UInt8]?
            if !CompressedMembers.isZlibHeader(bytes[data], bytes[data + 1]) {
                decoded = asciiDecoded(UnsafeRawBufferPointer(rebasing: bytes[data...]))
                guard let decoded, decoded.count >= 2, CompressedMembers.isZlibHeader(decoded[0], decoded[1]) else { continue }
            }
            // Each stream costs an inflater, however little it holds: charged, so a body of empty
            // streams cannot make one for every few bytes without end.
            budget.remaining -= 4096
            if budget.remaining < 0 { throw CompressedMembers.Unscannable.tooLarge(limit: budget.total) }
            let contents = try decoded.map { decoded in
                try decoded.withUnsafeBytes { try CompressedMembers.zlibStream(nearStartOf: $0, budget: budget) }
            } ?? CompressedMembers.zlibStream(nearStartOf: UnsafeRawBufferPointer(rebasing: bytes[data...]), budget: budget)
            if let contents {
                try body(contents)
            } else {
                budget.falseStarts += 1
                if budget.falseStarts > CompressedMembers.mostFalseStarts { throw CompressedMembers.Unscannable.falseStarts }
            }
        }
    }

    /// Stream data in ASCII85 (up to `~>`) or ASCII hex (up to `>`), decoded; nil for anything else.
    static func asciiDecoded(_ data: UnsafeRawBufferPointer) -> [UInt8]? {
        var output: [UInt8] = []
        // ASCII hex: digits and white space.
        if let first = data.first(where: { !isSpace($0) }), PercentDecoding.hexValue(first) != nil, data.count >= 4 {
            var high: UInt8?
            for byte in data {
                if byte == UInt8(ascii: ">") { return output }
                if isSpace(byte) { continue }
                guard let value = PercentDecoding.hexValue(byte) else { break }
                if let first = high {
                    output.append(first << 4 | value)
                    high = nil
                } else {
                    high = value
                }
            }
            output = []
        }
        // ASCII85: groups of five characters from `!` to `u` (`z` for four zero bytes), ended by `~>`.
        var group: UInt32 = 0, count = 0
        for byte in data {
            if isSpace(byte) { continue }
            if byte == UInt8(ascii: "~") {
                guard count > 0 else { return output }
                for _ in count..<5 { group = group &* 85 &+ 84 }
                for shift in [24, 16, 8, 0].prefix(count - 1) { output.append(UInt8(truncatingIfNeeded: group >> UInt32(shift))) }
                return output
            }
            if byte == UInt8(ascii: "z"), count == 0 {
                output += [0, 0, 0, 0]
                continue
            }
            guard byte >= UInt8(ascii: "!"), byte <= UInt8(ascii: "u") else { return nil }
            group = group &* 85 &+ UInt32(byte - UInt8(ascii: "!"))
            count += 1
            if count == 5 {
                output += [UInt8(truncatingIfNeeded: group >> 24), UInt8(truncatingIfNeeded: group >> 16), UInt8(truncatingIfNeeded: group >> 8), UInt8(truncatingIfNeeded: group)]
                group = 0
                count = 0
            }
        }
        return nil
    }

    /// The text a stream holds: in a content stream, what it draws, its strings joined across kerning
    /// inside a `TJ` array (a large gap is a space) and across consecutive show operators, a move to
    /// another line or position (`Td`, `TD`, `Tm`, `T*`, `ET`) a line break; elsewhere (an object
    /// stream's values) each string a line. Literal strings with their escapes, and hex strings (one
    /// byte per pair, as simple fonts encode text); NUL bytes (UTF-16BE) dropped.
    static func shownText(_ content: UnsafeRawBufferPointer) -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        var number: [UInt8] = []
        var inArray = false
        /// Between `BT` and `ET`: strings there are drawn text, joined as it runs on; any other string
        /// (a form field's value in an object stream) is a line of its own.
        var inText = false
        while index < content.count {
            let byte = content[index]
            let isNumber = byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte &- 0x30 < 10
            if isNumber {
                number.append(byte)
                index += 1
                continue
            }
            // A number inside a TJ array ends: a gap of more than a fifth of an em reads as a space.
            if inArray, !number.isEmpty, let gap = Double(String(decoding: number, as: UTF8.self)), gap < -200 { output.append(0x20) }
            number = []
            switch byte {
            case UInt8(ascii: "("):
                index = literal(content, from: index + 1, into: &output)
                if !inText { output.append(0x0A) }
                continue
            case UInt8(ascii: "<") where index + 1 < content.count && content[index + 1] == UInt8(ascii: "<"):
                index += 2  // a dictionary (marked content's properties): its strings are read as they come
                continue
            case UInt8(ascii: "<"):
                index = hex(content, from: index + 1, into: &output)
                if !inText { output.append(0x0A) }
                continue
            case UInt8(ascii: "B") where index + 1 < content.count && content[index + 1] == UInt8(ascii: "T"):
                inText = true
            case UInt8(ascii: "["):
                inArray = true
            case UInt8(ascii: "]"):
                inArray = false
            case UInt8(ascii: "T"), UInt8(ascii: "E"), UInt8(ascii: "'"), UInt8(ascii: "\""):
                // `Td`, `TD`, `Tm`, `T*`, `ET`, and `'` and `"` (next line, then show): a new line.
                let next = index + 1 < content.count ? content[index + 1] : 0
                let moves =
                    (byte == UInt8(ascii: "T") && [UInt8(ascii: "d"), UInt8(ascii: "D"), UInt8(ascii: "m"), UInt8(ascii: "*")].contains(next))
                    || (byte == UInt8(ascii: "E") && next == UInt8(ascii: "T")) || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"")
                if moves, output.last != 0x0A { output.append(0x0A) }
                if byte == UInt8(ascii: "E"), next == UInt8(ascii: "T") { inText = false }
            default:
                break
            }
            index += 1
        }
        // UTF-16BE strings (`<FEFF0034…>`, a field's value) read as their ASCII.
        output.removeAll { $0 == 0 }
        return output
    }

    /// Past a literal string whose text starts at `from` (balanced parentheses, escapes decoded).
    private static func literal(_ content: UnsafeRawBufferPointer, from: Int, into output: inout [UInt8]) -> Int {
        var index = from, depth = 1
        while index < content.count {
            let byte = content[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\\"):
                guard index < content.count else { return index }
                let escaped = content[index]
                index += 1
                if escaped &- 0x30 < 8 {
                    // Up to three octal digits.
                    var value = Int(escaped &- 0x30)
                    for _ in 0..<2 where index < content.count && content[index] &- 0x30 < 8 {
                        value = value * 8 + Int(content[index] &- 0x30)
                        index += 1
                    }
                    output.append(UInt8(truncatingIfNeeded: value))
                } else if escaped != 0x0A && escaped != 0x0D {
                    // (A backslash before a line end continues the string.)
                    switch escaped {
                    case UInt8(ascii: "n"): output.append(0x0A)
                    case UInt8(ascii: "r"): output.append(0x0D)
                    case UInt8(ascii: "t"): output.append(0x09)
                    default: output.append(escaped)
                    }
                }
            case UInt8(ascii: "("):
                depth += 1
                output.append(byte)
            case UInt8(ascii: ")"):
                depth -= 1
                if depth == 0 { return index }
                output.append(byte)
            default:
                output.append(byte)
            }
        }
        return index
    }

    /// Past a hex string whose digits start at `from`.
    private static func hex(_ content: UnsafeRawBufferPointer, from: Int, into output: inout [UInt8]) -> Int {
        var index = from
        var high: UInt8?
        while index < content.count, content[index] != UInt8(ascii: ">") {
            if let value = PercentDecoding.hexValue(content[index]) {
                if let first = high {
                    output.append(first << 4 | value)
                    high = nil
                } else {
                    high = value
                }
            }
            index += 1
        }
        if let high { output.append(high << 4) }
        return index + 1
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0C || byte == 0x00
    }
}
