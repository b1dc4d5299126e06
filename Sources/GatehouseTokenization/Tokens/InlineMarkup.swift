/// What a browser shows nothing for inside a line of text: the tags of inline elements (`<span>`,
/// `</b>`, `<a href=…>`, `<wbr>`, custom elements such as `<app-card-group>`) and comments, with the
/// white space around them shown as one space.
/// A page that prints a card number's groups or digits in separate inline elements
/// (`<span>4111</span> <span>1111</span>…`, a template's usual way) shows the whole number, so the
/// response masking reads it whole. A block or cell boundary (`</td><td>`, `<br>`, `<div>`) shows a
/// break, and ends a number there.
enum InlineMarkup {
    /// The longest tag or comment read as inline markup: a utility-class list or a framework's
    /// attributes fit.
    static let longestTag = 400
    /// The longest gap (markup and white space) between two characters of one card number.
    static let longestGap = 800

    /// A run of inline markup and white space: where it ends, and whether it shows as a space.
    struct Gap: Equatable {
        var end: Int
        var showsSpace: Bool
    }

    /// What starts at a '<'.
    enum Tag: Equatable {
        /// An inline element's tag or a comment, ending before `end`.
        case inline(end: Int)
        /// The bytes end before its '>': the next chunk may complete it.
        case unfinished
        /// Anything else: another element's tag, or a '<' that starts no tag.
        case other
    }

    /// The gap starting at `index`: white space and inline markup, holding at least one tag or comment
    /// or, on a page (`html`), white space other than one plain space (a line break, a tab, several
    /// spaces), which a browser shows as one space too. A tag cut off by the end of the bytes is open:
    /// the gap runs to the end, and the next chunk may complete it.
    static func gap<Bytes: RandomAccessCollection<UInt8>>(in bytes: Bytes, from index: Int, html: Bool = false) -> Gap?
    where Bytes.Index == Int {
        var cursor = index, markup = false, space = false, collapsed = false
        while cursor < bytes.endIndex, cursor - index < longestGap {
            let byte = bytes[cursor]
            if isSpace(byte) {
                collapsed = collapsed || space || byte != 0x20
                space = true
                cursor += 1
            } else if byte == UInt8(ascii: "<") {
                switch tag(in: bytes, at: cursor) {
                case .inline(let end): cursor = end
                case .unfinished: cursor = bytes.endIndex
                case .other: return markup || (html && collapsed) ? Gap(end: cursor, showsSpace: space) : nil
                }
                markup = true
            } else {
                break
            }
        }
        return markup || (html && collapsed) ? Gap(end: cursor, showsSpace: space) : nil
    }

    /// Where the white space and complete inline markup that end just before `index` start; `index`
    /// itself when none do.
    static func gapStart<Bytes: RandomAccessCollection<UInt8>>(in bytes: Bytes, before index: Int) -> Int where Bytes.Index == Int {
        var start = index
        back: while start > bytes.startIndex, index - start < longestGap {
            let byte = bytes[start - 1]
            if isSpace(byte) {
                start -= 1
                continue
            }
            guard byte == UInt8(ascii: ">") else { break }
            // The nearest '<' opens a tag; a comment (`-->`) may hold other '<'s, so its `<!--` is looked for.
            let comment = start - 3 >= bytes.startIndex && bytes[start - 2] == UInt8(ascii: "-") && bytes[start - 3] == UInt8(ascii: "-")
            var open = start - 2
            while open >= bytes.startIndex, start - open <= longestTag {
                if bytes[open] == UInt8(ascii: "<") {
                    if tag(in: bytes, at: open) == .inline(end: start) {
                        start = open
                        continue back
                    }
                    if !comment { break }
                }
                open -= 1
            }
            break
        }
        return start
    }

    /// What the '<' at `index` starts.
    static func tag<Bytes: RandomAccessCollection<UInt8>>(in bytes: Bytes, at index: Int) -> Tag where Bytes.Index == Int {
        let end = bytes.endIndex, limit = min(end, index + longestTag)
        var cursor = index + 1
        guard cursor < end else { return .unfinished }
        if bytes[cursor] == UInt8(ascii: "!") {
            // A comment: `<!--`, then anything up to `-->` (`<!-->` and `<!--->` are empty ones).
            guard cursor + 1 < end else { return .unfinished }
            guard bytes[cursor + 1] == UInt8(ascii: "-") else { return .other }
            guard cursor + 2 < end else { return .unfinished }
            guard bytes[cursor + 2] == UInt8(ascii: "-") else { return .other }
            cursor += 3
            guard cursor < end else { return .unfinished }
            if bytes[cursor] == UInt8(ascii: ">") { return .inline(end: cursor + 1) }
            guard cursor + 1 < end else { return .unfinished }
            if bytes[cursor] == UInt8(ascii: "-"), bytes[cursor + 1] == UInt8(ascii: ">") { return .inline(end: cursor + 2) }
            while cursor + 3 <= limit {
                if bytes[cursor] == UInt8(ascii: "-"), bytes[cursor + 1] == UInt8(ascii: "-"), bytes[cursor + 2] == UInt8(ascii: ">") {
                    return .inline(end: cursor + 3)
                }
                cursor += 1
            }
            return limit == end && end - index < longestTag ? .unfinished : .other
        }
        if bytes[cursor] == UInt8(ascii: "/") { cursor += 1 }
        // The name: a letter, then letters, digits and '-'; the first six letters packed lowercase into
        // a word (inline names are at most six letters). A name with a '-' is a custom element, which
        // a browser lays out inline unless told otherwise.
        var name: UInt64 = 0, length = 0, custom = false
        while cursor < limit {
            let byte = bytes[cursor]
            if (byte | 0x20) &- 0x61 <= 25 {
                if length < 6 { name = name << 8 | UInt64(byte | 0x20) }
            } else if length > 0 && (byte &- 0x30 <= 9 || byte == UInt8(ascii: "-")) {
                custom = custom || byte == UInt8(ascii: "-")
                if length < 6 { name = name << 8 | UInt64(byte) }
            } else {
                break
            }
            length += 1
            cursor += 1
        }
        guard cursor < end else { return .unfinished }
        guard length > 0, custom || (length <= 6 && isInline(name)) else { return .other }
        let after = bytes[cursor]
        guard after == UInt8(ascii: ">") || after == UInt8(ascii: "/") || isSpace(after) else { return .other }
        // Attributes up to the '>', quoted values read whole (they may hold a '>').
        var quote: UInt8?
        while cursor < limit {
            let byte = bytes[cursor]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                return .inline(end: cursor + 1)
            } else if byte == UInt8(ascii: "<") {
                return .other
            }
            cursor += 1
        }
        return limit == end && end - index < longestTag ? .unfinished : .other
    }

    /// HTML's white space, which a browser shows as one space.
    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x0C
    }

    /// Whether an element a browser lays out within a line has this name (its letters packed into a
    /// word, as `tag` reads them).
    @inline(__always)
    private static func isInline(_ name: UInt64) -> Bool {
        switch name {
        case 0x61 /* a */, 0x61626272 /* abbr */, 0x62 /* b */, 0x626469 /* bdi */, 0x62646F /* bdo */, 0x626967 /* big */,
            0x63697465 /* cite */, 0x636F6465 /* code */, 0x64617461 /* data */, 0x64656C /* del */, 0x64666E /* dfn */, 0x656D /* em */,
            0x666F6E74 /* font */, 0x69 /* i */, 0x696E73 /* ins */, 0x6B6264 /* kbd */, 0x6C6162656C /* label */, 0x6D61726B /* mark */,
            0x6E6F6272 /* nobr */, 0x73 /* s */, 0x73616D70 /* samp */, 0x736D616C6C /* small */, 0x7370616E /* span */,
            0x737472696B65 /* strike */, 0x7374726F6E67 /* strong */, 0x737562 /* sub */, 0x737570 /* sup */, 0x74696D65 /* time */,
            0x7474 /* tt */, 0x75 /* u */, 0x766172 /* var */, 0x776272 /* wbr */:
            true
        default:
            false
        }
    }
}
