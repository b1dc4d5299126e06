import Testing

@testable import GatehouseTokenization

/// The markup a browser shows nothing for between two characters of a line, and what ends a line.
struct InlineMarkupTests {
    @Test func readsInlineTagsAndCommentsOnly() {
        func tag(_ text: String) -> InlineMarkup.Tag { InlineMarkup.tag(in: Array(text.utf8), at: 0) }
        for name in [
            "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font", "i", "ins", "kbd", "label", "mark",
            "nobr", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
        ] {
            for text in ["<\(name)>", "</\(name)>", "<\(name.uppercased()) class=\"x\">", "<\(name)/>"] {
                #expect(tag(text) == .inline(end: text.utf8.count), "\(text)")
            }
        }
        // Custom elements: a name with a '-'.
        for text in ["<app-card-group>", "</app-card-group>", "<x-1 a=b>"] { #expect(tag(text) == .inline(end: text.utf8.count), "\(text)") }
        for text in ["<td>", "</tr>", "<div>", "<p>", "<br>", "<li>", "<table>", "<input value=1>", "<script>", "<spans>", "< b>", "<!x>", "<3", "<b<i>", "<-x>"] {
            #expect(tag(text) == .other, "\(text)")
        }
        // Quoted values may hold '>'; a comment may hold '<'.
        #expect(tag(#"<a title="1 > 0" href='x>y'>"#) == .inline(end: 28))
        #expect(tag("<!-- a < b -->") == .inline(end: 14))
        // Cut off by the end of the bytes: the next chunk may complete it.
        for text in ["<", "</", "<spa", "<span class=\"g", "<!-", "<!-- x -", "<!--", "<!---"] { #expect(tag(text) == .unfinished, "\(text)") }
        // Empty comments, as a browser reads them.
        #expect(tag("<!-->") == .inline(end: 5) && tag("<!--->") == .inline(end: 6))
        // Longer than any tag read as inline: not one.
        #expect(tag("<span title=\"" + String(repeating: "x", count: 400) + "\">") == .other)
    }

    @Test func readsGapsBothWays() {
        let text = Array("4111</span>\n  <span class=\"g\"><!-- x -->1111 <td>".utf8)
        let gap = InlineMarkup.gap(in: text, from: 4)
        #expect(gap == InlineMarkup.Gap(end: 40, showsSpace: true))
        #expect(InlineMarkup.gapStart(in: text, before: 40) == 4)
        // White space alone, or a cell, is no gap.
        #expect(InlineMarkup.gap(in: text, from: 44) == nil)
        #expect(InlineMarkup.gap(in: Array("1 2".utf8), from: 1) == nil)
        #expect(InlineMarkup.gapStart(in: text, before: text.count) == text.count)
        // A tag cut off by the end leaves the gap open to the end.
        #expect(InlineMarkup.gap(in: Array("4111 <spa".utf8), from: 4) == InlineMarkup.Gap(end: 9, showsSpace: true))
    }

    /// The word-at-a-time search for markup or white space after a card character finds exactly what a
    /// byte-by-byte reading finds, wherever in a word the bytes fall.
    @Test func markupSearchAgreesWithTheByteByByteReading() {
        let alphabet = Array("<< \n\t1-;a>é".utf8)
        func mayEndCard(_ byte: UInt8) -> Bool { byte &- 0x30 <= 9 || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ";") || byte >= 0x80 }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            let text = (0..<Int.random(in: 0...40, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            for html in [false, true] {
                var expected: [Int] = []
                for (index, byte) in text.enumerated() {
                    let before = index > 0 ? text[index - 1] : nil
                    if byte == UInt8(ascii: "<") {
                        if before.map({ mayEndCard($0) || InlineMarkup.isSpace($0) }) ?? true { expected.append(index) }
                    } else if html, InlineMarkup.isSpace(byte) {
                        let notLone = byte != 0x20 || (index + 1 < text.count && InlineMarkup.isSpace(text[index + 1]))
                        if before.map({ mayEndCard($0) && notLone }) ?? true { expected.append(index) }
                    }
                }
                var found: [Int] = []
                text.withUnsafeBytes { bytes in
                    var from = 0
                    while let next = SpelledPANMasking.nextMarkupAfterCardCharacter(bytes, from: from, html: html) {
                        found.append(next)
                        from = next + 1
                    }
                }
                #expect(found == expected, "\(String(decoding: text, as: UTF8.self).debugDescription) html: \(html)")
            }
        }
    }

    /// Long runs of white space after a spelled digit are read once, not once per byte.
    @Test func whiteSpaceRunsAreReadInLinearTime() {
        let text = "&#49;" + String(repeating: " ", count: 400_000) + "<b>1</b>" + String(repeating: "\n", count: 400_000) + "x"
        let elapsed = ContinuousClock().measure { #expect(PANMasking.masked(text) == text) }
        #expect(elapsed < .seconds(10), "\(elapsed)")
    }
}
