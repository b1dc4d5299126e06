/// The text an office document's XML shows, as its reader joins it: Word (`.docx`), Excel's shared
/// strings (`.xlsx`) and OpenDocument split one typed number into runs when its formatting, a
/// spell-check mark or an edit changes inside it (`<w:t>4111 1111</w:t></w:r><w:r><w:t> 1111…`).
/// Tags that only mark up a run are dropped, so the run reads whole; every other tag (a paragraph,
/// a cell, a break) stands for a line break, so numbers in different cells are never joined.
enum DocumentText {
    /// Whether contents look like XML: a declaration, or an element, first.
    static func mayBeXML(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        while start < bytes.count, bytes[start] == 0x20 || bytes[start] == 0x0A || bytes[start] == 0x0D || bytes[start] == 0x09 { start += 1 }
        return start + 1 < bytes.count && bytes[start] == UInt8(ascii: "<") && (bytes[start + 1] == UInt8(ascii: "?") || bytes[start + 1].isASCIILetter)
    }

    /// The text with run markup dropped and other tags as line breaks. Character references are left
    /// as written (Word writes digits and spaces plainly).
    static func visibleText(_ xml: UnsafeRawBufferPointer) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(xml.count / 2)
        var index = 0
        /// Inside a run's properties (`<w:rPr>`, `<rPr>`): every tag there is formatting.
        var inProperties = false
        while index < xml.count {
            guard let open = UnsafeRawBufferPointer(rebasing: xml[index...]).firstIndex(of: UInt8(ascii: "<")).map({ $0 + index }) else {
                output.append(contentsOf: xml[index...])
                break
            }
            output.append(contentsOf: xml[index..<open])
            // A comment, CDATA section or processing instruction ends at its own terminator.
            if let skipped = special(xml, at: open, into: &output) {
                index = skipped
                continue
            }
            guard let close = UnsafeRawBufferPointer(rebasing: xml[open...]).firstIndex(of: UInt8(ascii: ">")).map({ $0 + open }) else { break }
            let tag = UnsafeRawBufferPointer(rebasing: xml[(open + 1)..<close])
            let closing = tag.first == UInt8(ascii: "/")
            let name = localName(tag)
            if name.elementsEqual("rPr".utf8) {
                inProperties = !closing && tag.last != UInt8(ascii: "/")
            } else if !inProperties {
                switch joining(name) {
                case .drop: break
                case .character(let byte): output.append(byte)
                case .lineBreak: output.append(0x0A)
                }
            }
            index = close + 1
        }
        return output
    }

    private enum Joining {
        case drop
        case character(UInt8)
        case lineBreak
    }

    /// Run markup of WordprocessingML, SpreadsheetML and OpenDocument text, by local name.
    private static func joining(_ name: UnsafeRawBufferPointer) -> Joining {
        switch String(decoding: name, as: UTF8.self) {
        case "r", "t", "proofErr", "bookmarkStart", "bookmarkEnd", "hyperlink", "smartTag", "ins", "del", "delText", "fldSimple",
            "lastRenderedPageBreak", "softHyphen", "permStart", "permEnd", "commentRangeStart", "commentRangeEnd", "moveFrom", "moveTo",
            "customXml", "span", "a", "soft-page-break", "bookmark", "bookmark-start", "bookmark-end", "change-start", "change-end":
            .drop
        case "noBreakHyphen": .character(UInt8(ascii: "-"))
        case "s": .character(0x20)  // OpenDocument's spaces
        default: .lineBreak
        }
    }

    /// The name of a tag (`/w:t`, `w:t xml:space="preserve"`, `w:b/`) without its prefix.
    private static func localName(_ tag: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = tag.first == UInt8(ascii: "/") ? 1 : 0
        var end = start
        while end < tag.count, tag[end] != 0x20, tag[end] != 0x0A, tag[end] != 0x0D, tag[end] != 0x09, tag[end] != UInt8(ascii: "/") {
            if tag[end] == UInt8(ascii: ":") { start = end + 1 }
            end += 1
        }
        return UnsafeRawBufferPointer(rebasing: tag[start..<end])
    }

    /// After a comment, processing instruction or CDATA section at `open` (CDATA's text is kept); nil
    /// for an element's tag.
    private static func special(_ xml: UnsafeRawBufferPointer, at open: Int, into output: inout [UInt8]) -> Int? {
        let rest = UnsafeRawBufferPointer(rebasing: xml[open...])
        for (start, end, keeps) in [("<!--", "-->", false), ("<![CDATA[", "]]>", true), ("<?", "?>", false)] where rest.starts(with: start.utf8) {
            let body = UnsafeRawBufferPointer(rebasing: rest[start.utf8.count...])
            guard let found = body.firstRange(of: end.utf8) else { return xml.count }
            if keeps { output.append(contentsOf: body[..<found.lowerBound]) }
            return open + start.utf8.count + found.upperBound
        }
        return nil
    }
}
