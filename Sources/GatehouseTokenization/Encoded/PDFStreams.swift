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
            guard CompressedMembers.isZlibHeader(bytes[data], bytes[data + 1]) else { continue }
            if let contents = try CompressedMembers.zlibStream(nearStartOf: UnsafeRawBufferPointer(rebasing: bytes[data...]), budget: budget) {
                try body(contents)
            } else {
                budget.falseStarts += 1
                if budget.falseStarts > CompressedMembers.mostFalseStarts { throw CompressedMembers.Unscannable.falseStarts }
            }
        }
    }

    /// Whether contents draw text (a content stream's text operators).
    static func mayShowText(_ content: UnsafeRawBufferPointer) -> Bool {
        ByteSearch.first("BT", in: content) != nil && (ByteSearch.first("Tj", in: content) != nil || ByteSearch.first("TJ", in: content) != nil)
    }

    /// The text a content stream draws: its strings in order, joined across kerning inside a `TJ`
    /// array (a large gap is a space) and across consecutive show operators; a move to another line
    /// or position (`Td`, `TD`, `Tm`, `T*`, `ET`) is a line break. Literal strings with their escapes,
    /// and hex strings (one byte per pair, as simple fonts encode text).
    static func shownText(_ content: UnsafeRawBufferPointer) -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        var number: [UInt8] = []
        var inArray = false
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
                continue
            case UInt8(ascii: "<") where index + 1 < content.count && content[index + 1] == UInt8(ascii: "<"):
                index += 2  // a dictionary (marked content's properties): its strings are read as they come
                continue
            case UInt8(ascii: "<"):
                index = hex(content, from: index + 1, into: &output)
                continue
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
            default:
                break
            }
            index += 1
        }
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
