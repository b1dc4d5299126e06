/// The text an office document's XML shows, as its reader joins it: Word (`.docx`), Excel's shared
/// strings (`.xlsx`) and OpenDocument split one typed number into runs when its formatting, a
/// spell-check mark or an edit changes inside it (`<w:t>4111 1111</w:t></w:r><w:r><w:t> 1111…`).
/// Tags that only mark up a run are dropped, so the run reads whole; every other tag (a paragraph,
/// a cell, a break) stands for a line break, so numbers in different cells are never joined.
/// Deleted text (a tracked change) is left out, and a hidden or superscript run stands apart, as
/// the document shows them.
enum DocumentText {
    /// Whether contents look like XML: a declaration, or an element, first.
    static func mayBeXML(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        while start < bytes.count, bytes[start] == 0x20 || bytes[start] == 0x0A || bytes[start] == 0x0D || bytes[start] == 0x09 { start += 1 }
        return start + 1 < bytes.count && bytes[start] == UInt8(ascii: "<") && (bytes[start + 1] == UInt8(ascii: "?") || bytes[start + 1].isASCIILetter)
    }

    /// Whether any tag ends a piece of a number (a digit, space or dash right before it): otherwise
    /// the text reads as the plain check already read it.
    static func mayJoinNumbers(_ xml: UnsafeRawBufferPointer) -> Bool {
        var from = 1
        while from < xml.count, let open = UnsafeRawBufferPointer(rebasing: xml[from...]).firstIndex(of: UInt8(ascii: "<")) {
            let index = from + open
            if PANDetector.isNumberByte(xml[index - 1]) { return true }
            from = index + 1
        }
        return false
    }

    /// The text with run markup dropped and other tags as line breaks. Character references are left
    /// as written (Word writes digits and spaces plainly).
    static func visibleText(_ xml: UnsafeRawBufferPointer) -> [UInt8] {
        var reader = Reader()
        var index = 0
        while index < xml.count {
            guard let found = UnsafeRawBufferPointer(rebasing: xml[index...]).firstIndex(of: UInt8(ascii: "<")) else {
                reader.text(UnsafeRawBufferPointer(rebasing: xml[index...]))
                break
            }
            let open = index + found
            reader.text(UnsafeRawBufferPointer(rebasing: xml[index..<open]))
            // A comment, CDATA section or processing instruction ends at its own terminator.
            if open + 1 < xml.count, xml[open + 1] == UInt8(ascii: "!") || xml[open + 1] == UInt8(ascii: "?") {
                index = special(xml, at: open, into: &reader)
                continue
            }
            guard let close = UnsafeRawBufferPointer(rebasing: xml[open...]).firstIndex(of: UInt8(ascii: ">")) else { break }
            reader.tag(UnsafeRawBufferPointer(rebasing: xml[(open + 1)..<(open + close)]))
            index = open + close + 1
        }
        return reader.output
    }

    /// What the reading has seen so far: where it is in property and deleted elements.
    private struct Reader {
        var output: [UInt8] = []
        /// Inside a property element (`w:rPr`, `w:sdtPr`, their tracked changes): every tag and text
        /// there is formatting.
        var inProperties = 0
        /// Inside deleted text (`w:delText`, `w:moveFrom`): not shown.
        var inDeleted = 0
        /// The run being read is hidden or raised (`w:vanish`, `w:vertAlign`): it stands apart.
        var apart = false

        mutating func text(_ bytes: UnsafeRawBufferPointer) {
            guard inProperties == 0, inDeleted == 0, !bytes.isEmpty else { return }
            // Indentation between tags of pretty-printed XML is no text.
            if bytes.contains(0x0A), bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return }
            output.append(contentsOf: bytes)
        }

        mutating func tag(_ tag: UnsafeRawBufferPointer) {
            let closing = tag.first == UInt8(ascii: "/")
            let empty = tag.last == UInt8(ascii: "/")
            let name = DocumentText.localName(tag)
            let change = closing ? -1 : (empty ? 0 : 1)
            if DocumentText.isProperties(name) {
                inProperties = max(0, inProperties + change)
                if inProperties == 0, apart, closing { output.append(0x0A) }
                return
            }
            if inProperties > 0 {
                if DocumentText.setsApart(name) { apart = true }
                return
            }
            if DocumentText.isDeleted(name) {
                inDeleted = max(0, inDeleted + change)
                return
            }
            switch DocumentText.joining(name) {
            case .drop:
                // A run's own properties say whether it stands apart.
                guard name.elementsEqual("r".utf8) else { break }
                if closing, apart { output.append(0x0A) }
                apart = false
            case .character(let byte):
                output.append(byte)
            case .lineBreak:
                output.append(0x0A)
            }
        }
    }

    enum Joining {
        case drop
        case character(UInt8)
        case lineBreak
    }

    /// Run markup of WordprocessingML, SpreadsheetML, DrawingML and OpenDocument text, by local
    /// name, looked up by length.
    private static let markup: [Int: [([UInt8], Joining)]] = {
        let drop = [
            "r", "t", "proofErr", "bookmarkStart", "bookmarkEnd", "hyperlink", "smartTag", "ins", "del", "fldSimple",
            "lastRenderedPageBreak", "softHyphen", "permStart", "permEnd", "commentRangeStart", "commentRangeEnd", "commentReference",
            "moveTo", "moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd", "customXml", "sdt", "sdtContent",
            "span", "a", "soft-page-break", "bookmark", "bookmark-start", "bookmark-end", "change", "change-start", "change-end",
        ]
        var table: [Int: [([UInt8], Joining)]] = [:]
        for name in drop { table[name.utf8.count, default: []].append((Array(name.utf8), .drop)) }
        table[13, default: []].append((Array("noBreakHyphen".utf8), .character(UInt8(ascii: "-"))))
        table[1, default: []].append((Array("s".utf8), .character(0x20)))  // OpenDocument's spaces
        return table
    }()

    static func joining(_ name: UnsafeRawBufferPointer) -> Joining {
        markup[name.count]?.first { $0.0.elementsEqual(name) }?.1 ?? .lineBreak
    }

    /// `w:rPr`, `w:pPr`, `w:sdtPr`, `w:smartTagPr`, `w:rPrChange`…: properties, never text.
    static func isProperties(_ name: UnsafeRawBufferPointer) -> Bool {
        name.count >= 2 && (name.suffix(2).elementsEqual("Pr".utf8) || name.suffix(8).elementsEqual("PrChange".utf8))
    }

    static func isDeleted(_ name: UnsafeRawBufferPointer) -> Bool {
        name.elementsEqual("delText".utf8) || name.elementsEqual("delInstrText".utf8) || name.elementsEqual("moveFrom".utf8)
    }

    /// Run properties that take a run out of the line: hidden text, superscript and subscript.
    static func setsApart(_ name: UnsafeRawBufferPointer) -> Bool {
        name.elementsEqual("vanish".utf8) || name.elementsEqual("vertAlign".utf8)
    }

    /// The name of a tag (`/w:t`, `w:t xml:space="preserve"`, `w:b/`) without its prefix.
    static func localName(_ tag: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = tag.first == UInt8(ascii: "/") ? 1 : 0
        var end = start
        while end < tag.count, tag[end] != 0x20, tag[end] != 0x0A, tag[end] != 0x0D, tag[end] != 0x09, tag[end] != UInt8(ascii: "/") {
            if tag[end] == UInt8(ascii: ":") { start = end + 1 }
            end += 1
        }
        return UnsafeRawBufferPointer(rebasing: tag[start..<end])
    }

    private static let specials: [(start: [UInt8], end: [UInt8], keeps: Bool)] = [
        (Array("<!--".utf8), Array("-->".utf8), false), (Array("<![CDATA[".utf8), Array("]]>".utf8), true), (Array("<?".utf8), Array("?>".utf8), false),
    ]

    /// Past a comment, processing instruction or CDATA section at `open` (CDATA's text is kept), or a
    /// declaration (`<!DOCTYPE …>`) read as a tag.
    private static func special(_ xml: UnsafeRawBufferPointer, at open: Int, into reader: inout Reader) -> Int {
        let rest = UnsafeRawBufferPointer(rebasing: xml[open...])
        for special in specials where rest.starts(with: special.start) {
            let body = UnsafeRawBufferPointer(rebasing: rest[special.start.count...])
            guard let found = special.end.withUnsafeBytes({ ByteSearch.first($0, in: body) }) else { return xml.count }
            if special.keeps { reader.text(UnsafeRawBufferPointer(rebasing: body[..<found])) }
            return open + special.start.count + found + special.end.count
        }
        guard let close = rest.firstIndex(of: UInt8(ascii: ">")) else { return xml.count }
        reader.tag(UnsafeRawBufferPointer(rebasing: rest[1..<close]))
        return open + close + 1
    }
}
