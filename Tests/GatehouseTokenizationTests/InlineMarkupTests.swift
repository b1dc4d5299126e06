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

    /// Long runs of white space after a spelled digit are read once, not once per byte.
    @Test func whiteSpaceRunsAreReadInLinearTime() {
        let text = "&#49;" + String(repeating: " ", count: 400_000) + "<b>1</b>" + String(repeating: "\n", count: 400_000) + "x"
        let elapsed = ContinuousClock().measure { #expect(PANMasking.masked(text) == text) }
        #expect(elapsed < .seconds(10), "\(elapsed)")
    }
}
