@testable import GatehouseTokenization
import Testing

/// Published test numbers of every brand, and text that only looks numeric.
struct PANDetectorTests {
    /// Whether a fresh masker lets `text`, as one chunk, go on uncopied.
    func passesUnchanged(_ text: String, html: Bool = false) -> Bool {
        var masker = StreamingPANMasker(html: html)
        return Array(text.utf8).withUnsafeBytes { masker.passesUnchanged($0) }
    }

    static let testCards: [(String, CardBrand)] = [
        ("4111111111111111", .visa), ("4012888888881881", .visa), ("4222222222222", .visa), ("4242424242424242", .visa),
        ("5555555555554444", .mastercard), ("5105105105105100", .mastercard), ("2223003122003222", .mastercard),
        ("378282246310005", .amex), ("371449635398431", .amex), ("378734493671000", .amex),
        ("6011111111111117", .discover), ("6011000990139424", .discover), ("6011981111111113", .discover),
        ("3566002020360505", .jcb), ("3530111333300000", .jcb),
        ("30569309025904", .diners), ("38520000023237", .diners), ("36227206271667", .diners),
        ("6200000000000005", .unionpay), ("6205500000000000004", .unionpay),
    ]

    @Test(arguments: testCards)
    func findsEveryBrandsTestNumbers(_ card: (String, CardBrand)) {
        let (number, brand) = card
        for text in ["card \(number) ok", number, "\"\(number)\"", "x=\(number)&y", "<n>\(number)</n>"] {
            let matches = PANDetector.matches(in: Array(text.utf8))
            #expect(matches.count == 1, "\(text)")
            #expect(matches.first?.brand == brand)
            #expect(matches.first.map { String(decoding: $0.digits, as: UTF8.self) } == number)
        }
    }

    @Test func groupsBySpacesOrDashesConsistently() {
        for text in ["4111 1111 1111 1111", "4111-1111-1111-1111", "3782 822463 10005", "pay 5555-5555-5555-4444."] {
            let matches = PANDetector.matches(in: Array(text.utf8))
            #expect(matches.count == 1, "\(text)")
            let covered = String(decoding: Array(text.utf8)[matches[0].range], as: UTF8.self)
            #expect(covered.first?.isNumber == true && covered.last?.isNumber == true)
        }
        // Numbers side by side are not grouped like a card.
        for text in ["41 11 11 11 11 11 11 11", "411 1111 1111 1111 1", "12 34567 89012 345", "41111 1111 1111 111", "4111 11 1111 1111 11"] {
            #expect(PANDetector.matches(in: Array(text.utf8)).isEmpty, "\(text)")
        }
        #expect(PANDetector.matches(in: Array("6205 5000 0000 0000 004".utf8)).map(\.brand) == [.unionpay])
        #expect(PANDetector.matches(in: Array("3056 930902 5904".utf8)).map(\.brand) == [.diners])
        #expect(PANDetector.matches(in: Array("3056 9309 0259 04".utf8)).map(\.brand) == [.diners])  // forms group by four
        #expect(PANDetector.matches(in: Array("4222 2222 2222 2".utf8)).map(\.brand) == [.visa])
        // Mixed separators, doubled separators and other separators are not one number.
        for text in ["4111 1111-1111 1111", "4111  1111  1111  1111", "4111.1111.1111.1111", "4111/1111/1111/1111"] {
            #expect(PANDetector.matches(in: Array(text.utf8)).isEmpty, "\(text)")
        }
    }

    @Test func aNumberInsideALongerRunIsNotACard() {
        for text in ["94111111111111111", "41111111111111110000", "123456789012345678904111111111111111"] {
            #expect(PANDetector.matches(in: Array(text.utf8)).isEmpty, "\(text)")
        }
        // …but a separate group beside it is found.
        #expect(PANDetector.matches(in: Array("qty 2 4111111111111111".utf8)).count == 1)
        #expect(PANDetector.matches(in: Array("2026-11-30 4111111111111111".utf8)).count == 1)
        // A number with other separators right after a number: found from its own first group.
        #expect(PANDetector.matches(in: Array("ORD-123456789 3782-822463-10005".utf8)).map(\.brand) == [.amex])
        #expect(PANDetector.matches(in: Array("qty 12 4111-1111-1111-1111 ok".utf8)).count == 1)
        #expect(PANDetector.matches(in: Array("12-34 5555 5555 5555 4444".utf8)).count == 1)
    }

    @Test func luhnBrandAndRepetitionAreRequired() {
        for text in [
            "4111111111111112",  // Luhn fails
            "1234567812345670",  // Luhn passes, no brand issues 1…
            "0000000000000000", "4444444444444444",  // repeated digits
            "411111111111111",  // Visa does not issue 15 digits
            "37828224631000",  // Amex is 15 digits
        ] {
            #expect(PANDetector.matches(in: Array(text.utf8)).isEmpty, "\(text)")
        }
    }

    /// Order numbers, phone numbers, timestamps, UUIDs and IBANs pass untouched.
    @Test func falsePositiveCorpus() {
        let corpus = """
            Order SO-2026-000123 shipped; invoice INV-10002345, PO 4500012345, ref 20261130-00042.
            Tracking: 1Z999AA10123456784, FedEx 123456789012, USPS 9400111899223857264837.
            Call +1-415-555-2671 or (416) 555-0199, +44 20 7946 0958, fax 1 800 555 0100.
            Timestamps: 2026-11-30T20:11:00.123Z, 1764533460123, 1764533460, 20261130201100123.
            UUIDs: 550e8400-e29b-41d4-a716-446655440000, 3f1e2d4c-5b6a-4789-9abc-def012345678.
            IBANs: DE89 3704 0044 0532 0130 00, GB29 NWBK 6016 1331 9268 19, FR14 2004 1010 0505 0001 3M02 606.
            Amounts 1,234,567.89 and 12345678.90; version 10.15.7.1234; IP 192.168.100.200; SIN 046 454 286.
            ISBN 978-3-16-148410-0, EAN 4006381333931, GTIN 00012345678905, serial 12345678901234567890123.
            """
        let matches = PANDetector.matches(in: Array(corpus.utf8))
        #expect(matches.isEmpty, "\(matches.map { String(decoding: $0.digits, as: UTF8.self) })")
    }

    @Test func randomDigitRunsOfOrdinaryLengthsNeverMatch() {
        var generator = SystemRandomNumberGenerator()
        var text: [UInt8] = []
        for _ in 0..<20_000 {
            let length = Int.random(in: 1...12, using: &generator)
            for _ in 0..<length { text.append(UInt8.random(in: 0x30...0x39, using: &generator)) }
            text.append([0x20, 0x2C, 0x0A, 0x61][Int.random(in: 0...3, using: &generator)])
            text.append(0x78)
        }
        #expect(PANDetector.matches(in: text).isEmpty)
    }

    @Test func masksToBINAndLastFour() {
        #expect(PANMasking.masked("card 4111111111111111 ok") == "card 411111******1111 ok")
        #expect(PANMasking.masked("4111-1111-1111-1111") == "4111-11**-****-1111")
        #expect(PANMasking.masked("378282246310005") == "378282*****0005")
        #expect(PANMasking.masked("order 1764533460123") == "order 1764533460123")
    }

    /// Every way of cutting the text in three, fed as the gateway does: a chunk that passes unchanged
    /// goes on uncopied, any other is processed.
    @Test func streamingMaskerSeesNumbersSplitAcrossChunks() {
        let text = Array("a 4111111111111111 b 5555 5555 5555 4444 c".utf8)
        var passed = 0
        for first in 1..<text.count {
            for second in first..<text.count {
                var masker = StreamingPANMasker()
                var output: [UInt8] = []
                for chunk in [text[..<first], text[first..<second], text[second...]] {
                    chunk.withUnsafeBytes { chunk in
                        if masker.passesUnchanged(chunk) {
                            output += chunk
                            passed += 1
                        } else {
                            output += masker.process(chunk)
                        }
                    }
                }
                output += masker.finish()
                #expect(String(decoding: output, as: UTF8.self) == "a 411111******1111 b 5555 55** **** 4444 c", "split at \(first), \(second)")
                #expect(masker.masked == 2)
            }
        }
        #expect(passed > 0)
        #expect(passesUnchanged("no card here, 12 digits: 123456789012") == false)
        #expect(passesUnchanged("no card here {\"ok\":true}"))
    }

    /// A card number a page or a JSON document spells otherwise is masked as a reader would show it:
    /// each hidden digit's whole spelling becomes '*'s, so the length stays.
    @Test func masksCardNumbersSpelledOtherwise() {
        for (text, expected) in [
            ("<p>&#52;&#49;&#49;&#49;111111111111</p>", "<p>&#52;&#49;&#49;&#49;11******1111</p>"),
            ("<p>&#x34;111111111111111</p>", "<p>&#x34;11111******1111</p>"),
            (#"{"n":"\u0034111111111111111"}"#, #"{"n":"\u003411111******1111"}"#),
            ("<p>4111&nbsp;1111&nbsp;1111&nbsp;1111</p>", "<p>4111&nbsp;11**&nbsp;****&nbsp;1111</p>"),
            ("４１１１１１１１１１１１１１１１", "４１１１１１******************１１１１"),
            ("4111\u{200B}1111\u{200B}1111\u{200B}1111", "4111\u{200B}11**\u{200B}****\u{200B}1111"),
            ("4111\u{A0}1111\u{A0}1111\u{A0}1111 and 5555555555554444", "4111\u{A0}11**\u{A0}****\u{A0}1111 and 555555******4444"),
            // References without their ';' (browsers read them), direction marks, dashes of other kinds.
            ("&#52&#49&#49&#49 1111 1111 1111.", "&#52&#49&#49&#49 11** **** 1111."),
            ("4111&nbsp1111&nbsp1111&nbsp1111", "4111&nbsp11**&nbsp****&nbsp1111"),
            ("4111&lrm;1111&rlm;1111\u{200E}1111", "4111&lrm;11**&rlm;****\u{200E}1111"),
            ("４１１１－１１１１－１１１１－１１１１", "４１１１－１１******－************－１１１１"),
            ("4111\u{2013}1111&ndash;1111&#x2013;1111", "4111\u{2013}11**&ndash;****&#x2013;1111"),
            // Percent escapes, as a link or a form value carries them.
            ("card=%34%31%31%31111111111111&x=1", "card=%34%31%31%3111******1111&x=1"),
            (#"<a href="/find?q=4111%201111%201111%201111">"#, #"<a href="/find?q=4111%2011**%20****%201111">"#),
            // '+' for a space, as a form value or a link's query carries it.
            ("card=4111+1111+1111+1111&x=1", "card=4111+11**+****+1111&x=1"),
        ] {
            #expect(PANMasking.masked(text) == expected, "\(text)")
            #expect(PANMasking.masked(text).utf8.count == text.utf8.count)
        }
        // Not card numbers, or not spelled as one: left as they are.
        for text in [
            "&#52;&#49;&#49;&#49;111111111112", #"\\u00341111111111111111"#, "AT&T &amp; ‘quoted’ — ok", "٤١١١ and 1111", "&#52;&#49;",
            #"{"a":"\u0041"}"#, "a%20b%2Dc at 100% and %3", "%34%31%31%31111111111112",
            "1+1=2, 4111+1111+1111+1112, 4111++1111+1111+1111",
        ] {
            #expect(PANMasking.masked(text) == text, "\(text)")
        }
    }

    /// A number a page prints in inline elements (a template's groups in `<span>`s, a digit in bold) shows
    /// whole, so it is masked; one split by a cell, a line break or a block shows broken, so it is not.
    @Test func masksCardNumbersSplitByInlineMarkup() {
        let perDigit = "4111111111111111".map { "<i>\($0)</i>" }.joined()
        let tailwind = "inline-block rounded-md bg-gray-50 px-2 py-1 font-mono text-sm tracking-widest text-gray-700 ring-1 ring-inset ring-gray-500/10 dark:bg-gray-800 dark:text-gray-300"
        let perDigitMasked = "4111111111111111".enumerated().map { "<i>\($0.offset >= 6 && $0.offset < 12 ? "*" : String($0.element))</i>" }.joined()
        for (text, expected) in [
            (
                #"<li><span class="g">4111</span> <span class="g">1111</span> <span class="g">1111</span> <span class="g">1111</span></li>"#,
                #"<li><span class="g">4111</span> <span class="g">11**</span> <span class="g">****</span> <span class="g">1111</span></li>"#
            ),
            // A template's line breaks and indentation show as one space.
            (
                "<td>\n  <span>4111</span>\n  <span>1111</span>\n  <span>1111</span>\n  <span>1111</span>\n</td>",
                "<td>\n  <span>4111</span>\n  <span>11**</span>\n  <span>****</span>\n  <span>1111</span>\n</td>"
            ),
            ("4111<b></b>1111<!-- a < b -->1111<wbr>1111", "4111<b></b>11**<!-- a < b -->****<wbr>1111"),
            (perDigit, perDigitMasked),
            (
                #"<a href="/c" title="x>y">4111</a>-<A>1111</A>-<a>1111</a>-<a>1111</a>"#,
                #"<a href="/c" title="x>y">4111</a>-<A>11**</A>-<a>****</a>-<a>1111</a>"#
            ),
            ("<b>&#52;111</b><b>1111</b><b>1111</b><b>1111</b>", "<b>&#52;111</b><b>11**</b><b>****</b><b>1111</b>"),
            // White space around inline markup shows as one space, however much there is.
            ("4111<b>  </b> 1111 1111 1111", "4111<b>  </b> 11** **** 1111"),
            // A spelled space beside the markup: a template's `&nbsp;` between groups.
            (
                "<td><span>4111</span>&nbsp;<span>1111</span>&#160;<span>1111</span>&nbsp<span>1111</span></td>",
                "<td><span>4111</span>&nbsp;<span>11**</span>&#160;<span>****</span>&nbsp<span>1111</span></td>"
            ),
            (
                #"4111<span class="sep">&nbsp;</span>1111<span class="sep">+</span>1111<span class="sep">%20</span>1111"#,
                #"4111<span class="sep">&nbsp;</span>11**<span class="sep">+</span>****<span class="sep">%20</span>1111"#
            ),
            // Custom elements (inline unless styled otherwise), a utility-class list, empty comments.
            (
                "<app-pan-group _ngcontent-ng-c1>4111</app-pan-group> <app-pan-group _ngcontent-ng-c1>1111</app-pan-group> 1111 1111",
                "<app-pan-group _ngcontent-ng-c1>4111</app-pan-group> <app-pan-group _ngcontent-ng-c1>11**</app-pan-group> **** 1111"
            ),
            (
                "<span class=\"\(tailwind)\">4111</span> <span class=\"\(tailwind)\">1111</span> 1111 1111",
                "<span class=\"\(tailwind)\">4111</span> <span class=\"\(tailwind)\">11**</span> **** 1111"
            ),
            ("4111<!-->1111<!--->1111<!---->1111", "4111<!-->11**<!--->****<!---->1111"),
        ] {
            #expect(PANMasking.masked(text) == expected, "\(text)")
        }
        for text in [
            "<td>4111</td><td>1111</td><td>1111</td><td>1111</td>", "4111<br>1111<br>1111<br>1111",
            "<div>4111</div><div>1111</div><div>1111</div><div>1111</div>", "<span>4111</span>\n<p>1111 1111 1111</p>",
            "<b>4111</b> <b>1111</b> <b>1111</b> <b>1112</b>", "<b>42</b> items, <i>7</i> left",
            "<span>4111</span><span title=\"" + String(repeating: "x", count: 200) + "\">1111 1111 1111</span>",
        ] {
            #expect(PANMasking.masked(text) == text, "\(text)")
        }
        // A page whose numbers sit in cells and bold text goes on uncopied.
        #expect(passesUnchanged("<table><tr><td>42</td><td>7</td></tr></table><p><b>3</b> items <i>in 1999</i>, <a href=/x>page 2</a></p>"))
    }

    /// On a page a browser shows any run of white space as one space, so groups on lines of their own
    /// or spaced twice show as a card number; in text (a CSV column, a report) they do not.
    @Test func pagesShowWhiteSpaceRunsAsOneSpace() {
        func streamed(_ text: String, html: Bool, cuts: [Int] = []) -> String { self.streamed(Array(text.utf8), html: html, cuts: cuts) }
        for (text, expected) in [
            ("<td>\n  4111\n  1111\n  1111\n  1111\n</td>", "<td>\n  4111\n  11**\n  ****\n  1111\n</td>"),
            ("<p>4111  1111\t1111 \r\n 1111</p>", "<p>4111  11**\t**** \r\n 1111</p>"),
            ("<span>4111</span>\n\n<span>1111</span>   1111\n1111", "<span>4111</span>\n\n<span>11**</span>   ****\n1111"),
        ] {
            #expect(streamed(text, html: true) == expected, "\(text)")
            for cut in 1..<text.utf8.count { #expect(streamed(text, html: true, cuts: [cut]) == expected, "cut at \(cut) of \(text)") }
            // Text shows the line breaks and spaces as they are: not a card number there.
            #expect(streamed(text, html: false) == text, "\(text)")
        }
        for text in ["4111\n1111\n1111\n1111\n", "qty\n4111\n1111\n1111\n1111"] {
            #expect(streamed(text, html: false) == text && PANMasking.masked(text) == text)
        }
        // Cells on lines of their own, numbers that are not card numbers: the page goes on uncopied.
        #expect(passesUnchanged("<tr>\n  <td>\n    42\n  </td>\n  <td>2026-11-30  10:15</td>\n</tr>\n<p>Total:\n  1999</p>", html: true))
    }

    /// Several numbers in one run (spaced alike, or on lines of their own on a page): however the stream
    /// is cut, each is masked at least as when the text is read whole; the hold-back never cuts one in two.
    @Test func numbersInOneRunAreEachMaskedWhole() {
        for (text, html) in [
            ("4111 1111 1111 1111 5555 5555 5555 4444", false), ("4111 1111 1111 1111\n5555 5555 5555 4444\n", true),
            ("<span>4111 1111 1111 1111</span>\n<span>5555 5555 5555 4444</span>", false),
            ("<td>\n  4111\n  1111\n  1111\n  1111\n  5555\n  5555\n  5555\n  4444\n</td>", true),
            ("<td>\n  4111 1111 1111 1111\n  2026-11-30 2027-11-30\n</td>", true),
            ("<p>4111+<b>1111</b>+<b>1111</b>+<b>1111</b></p>", true),
            // Spelled separators ending in a letter, references without ';', soft hyphens.
            ("x 3782&nbsp822463 10005&nbsp4222 2222&nbsp2222 2 6011 1111&nbsp1111 1117&nbsp y", false),
            (
                "x 6011&#32;1111&nbsp;1111&nbsp;1117&nbsp;4222&nbsp;2222&shy22222&shy4111&shy1111&#32;1111&#32;1111&nbsp;4012&nbsp;8888&shy8888&shy1881&#32; y",
                false
            ),
            ("x 3782%2D822463%2D10005 4111%2D1111%2D1111%2D1111 5555-5555-5555-4444 y", false),
            ("x <b>3782</b>-<b>822463</b>-<b>10005</b> <b>6011</b>-<b>1111</b>-<b>1111</b>-<b>1117</b> y", true),
        ] {
            let bytes = Array(text.utf8)
            let whole = streamed(bytes, html: html, cuts: [])
            #expect(!whole.contains("4111 1111 1111 1111") && !whole.contains("5555 5555 5555 4444") && whole.contains("*"), "\(text) -> \(whole)")
            for cut in 1..<bytes.count {
                // Every digit the whole reading hides stays hidden (where numbers of mixed spellings
                // abut, a cut may pair groups otherwise and hide more, never less).
                let piecewise = Array(streamed(bytes, html: html, cuts: [cut]).utf8), hidden = Array(whole.utf8)
                #expect(
                    piecewise.count == hidden.count && hidden.indices.allSatisfy { hidden[$0] != UInt8(ascii: "*") || piecewise[$0] == UInt8(ascii: "*") },
                    "cut at \(cut) of \(text)")
            }
        }
    }

    /// Inside `<pre>` or `<textarea>` line breaks show as they are: a list of codes there is not one
    /// number (and a form's value must not change), however the tag is cut.
    @Test func preformattedElementsKeepTheirLines() {
        for text in [
            "<form><textarea name=\"pins\">\n9779\n2542\n6991\n1950\n9313\n</textarea></form>",
            "<PRE class=codes>\n9779\n2542\n6991\n1950\n9313\n</PRE>",
        ] {
            let bytes = Array(text.utf8)
            for cut in 1..<bytes.count { #expect(streamed(bytes, html: true, cuts: [cut]) == text, "cut at \(cut) of \(text)") }
        }
        // Before the element the page is still a page, and a tag cut across three chunks is still seen.
        let before = "<td>\n4111\n1111\n1111\n1111\n</td><textarea></textarea>"
        #expect(streamed(Array(before.utf8), html: true, cuts: []) == "<td>\n4111\n11**\n****\n1111\n</td><textarea></textarea>")
        let codes = "<p>ab<textarea>\n9779\n2542\n6991\n1950\n9313\n</textarea>"
        #expect(streamed(Array(codes.utf8), html: true, cuts: [7, 10]) == codes)
        // After the element closes, the page is a page again, however the stream is cut.
        let after = "<textarea>\n9779\n2542\n6991\n1950\n9313\n</textarea><td>\n4111\n1111\n1111\n1111\n</td><pre>\n1111\n</pre> <b>5555</b>\n5555\n5555\n4444"
        let afterMasked = "<textarea>\n9779\n2542\n6991\n1950\n9313\n</textarea><td>\n4111\n11**\n****\n1111\n</td><pre>\n1111\n</pre> <b>5555</b>\n55**\n****\n4444"
        for cut in 0..<after.utf8.count - 3 {
            #expect(streamed(Array(after.utf8), html: true, cuts: cut == 0 ? [] : [cut]) == afterMasked, "cut at \(cut)")
            // A tag cut in three pieces, too.
            #expect(streamed(Array(after.utf8), html: true, cuts: [cut + 1, cut + 3]) == afterMasked, "cut at \(cut + 1), \(cut + 3)")
        }
        // Only the element's own name opens it: `<pre.x>` is another element.
        #expect(streamed(Array("<pre.x>\n4111\n1111\n1111\n1111\n</pre.x>".utf8), html: true, cuts: []).contains("*"))
        // A card number spaced as one still is one there.
        #expect(streamed(Array("<pre>\n4111 1111 1111 1111\n</pre>".utf8), html: true, cuts: []) == "<pre>\n4111 11** **** 1111\n</pre>")
        // The same codes outside such an element, on a page, read as one number.
        #expect(streamed(Array("<td>\n9779\n2542\n6991\n1950\n9313\n</td>".utf8), html: true, cuts: []).contains("*"))
    }

    /// Feeds `bytes` to a masker cut at `cuts`, as the gateway does.
    func streamed(_ bytes: [UInt8], html: Bool, cuts: [Int]) -> String {
        var masker = StreamingPANMasker(html: html)
        var output: [UInt8] = []
        var from = 0
        for cut in cuts + [bytes.count] {
            bytes[from..<cut].withUnsafeBytes { chunk in output += masker.passesUnchanged(chunk) ? Array(chunk) : masker.process(chunk) }
            from = cut
        }
        output += masker.finish()
        return String(decoding: output, as: UTF8.self)
    }

    /// The quick check that lets a chunk go on uncopied agrees with a piece-by-piece reading, wherever in
    /// an eight-byte word a card character (or an accented letter next to one) falls: a spelled digit
    /// always counts, a spelled space, dash or invisible character only between card characters.
    @Test func spelledCardCheckAgreesWithThePieceByPieceReading() {
        struct Piece {
            let text: String
            var digit = false, separator = false
            /// Whether the check reads a card character (or the end of a reference) at its end, or at its start.
            var endsCard = false, startsCard = false
        }
        let pieces = [
            Piece(text: "a"), Piece(text: " "), Piece(text: "é"), Piece(text: "€"), Piece(text: "’"), Piece(text: "ü"),
            Piece(text: "\u{A0}", separator: true, endsCard: true, startsCard: true),
            Piece(text: "\u{200B}", separator: true, endsCard: true, startsCard: true),
            Piece(text: "—", separator: true, endsCard: true, startsCard: true), Piece(text: "\u{2013}", separator: true, endsCard: true, startsCard: true),
            Piece(text: "４", digit: true, endsCard: true, startsCard: true), Piece(text: "٤", digit: true, endsCard: true, startsCard: true),
            Piece(text: "&#52;", digit: true, endsCard: true, startsCard: true), Piece(text: "&amp;", endsCard: true, startsCard: true),
            Piece(text: "1", endsCard: true, startsCard: true), Piece(text: "%41", endsCard: true, startsCard: true), Piece(text: "%20x", startsCard: true),
            Piece(text: "+", separator: true),
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<4_000 {
            let chosen = (0..<Int.random(in: 1...24, using: &generator)).map { _ in pieces.randomElement(using: &generator)! } + [Piece(text: ".")]
            let text = chosen.map(\.text).joined()
            let quick = Array(text.utf8).withUnsafeBytes { SpelledPANMasking.hasSpelledCardCharacter($0) }
            let expected = chosen.indices.contains { index in
                chosen[index].digit
                    || (chosen[index].separator && (index == 0 || chosen[index - 1].endsCard) && chosen[index + 1].startsCard)
            }
            #expect(quick == expected, "\(text)")
        }
    }

    /// A spelling longer than any window: invisible characters padding the groups, a reference with many
    /// leading zeros, a long name cut before its ';'. Cut anywhere in two, each is masked as if whole.
    @Test func streamingMaskerHoldsBackLongSpellings() {
        for text in [
            "<p>4111 1111 1111" + String(repeating: "&#8203;", count: 80) + " 1111</p>",
            "<p>4111 1111 1111" + String(repeating: "\u{200B}", count: 171) + " 1111</p>",
            "Card 411111111111111&#" + String(repeating: "0", count: 40) + "49; ok",
            "4111&NonBreakingSpace;1111&NonBreakingSpace;1111&NonBreakingSpace;1111.",
            "card=%34%31%31%31111111111111&x=%3&q=4111%201111%201111%201111",
            "q=4111+1111+1111+1111&r=5555+5555+5555+4444",
            #"<li><span class="card-group">4111</span>"# + "\n    " + #"<span class="card-group">1111</span> <span>1111</span><!-- x -->"#
                + "\r\n<span>1111</span></li>",
            "4111-<b>1111</b>-<b>1111</b>-<b>1111</b>.",
            // A comment or a quoted value holding a '<', cut off: the construct opens at its first '<'.
            #"<p><span>4111</span><!-- <span class="sep"> --> <span>1111</span> <span>1111</span> <span>1111</span></p>"#,
            "<p>4111<!-- <b>old</b> --> 1111 1111 1111</p>",
            #"<p><span>4111</span> <span title="a<b">1111</span> 1111 1111</p>"#,
            "<td><span>4111</span>&nbsp;<span>1111</span>&nbsp;<span>1111</span>&nbsp;<span>1111</span></td>",
        ] {
            let bytes = Array(text.utf8)
            let whole = PANMasking.masked(text)
            #expect(whole != text && whole.utf8.count == bytes.count, "\(text)")
            for cut in 1..<bytes.count {
                var masker = StreamingPANMasker()
                var output: [UInt8] = []
                for chunk in [bytes[..<cut], bytes[cut...]] {
                    chunk.withUnsafeBytes { chunk in output += masker.passesUnchanged(chunk) ? Array(chunk) : masker.process(chunk) }
                }
                output += masker.finish()
                #expect(String(decoding: output, as: UTF8.self) == whole, "cut at \(cut) of \(text.prefix(40))")
            }
        }
    }

    /// The same, streamed: every way of cutting a spelled text in three is masked as if whole.
    @Test func streamingMaskerSeesSpelledNumbersSplitAcrossChunks() {
        let text = Array(#"a &#52;&#x31;11&nbsp;\u0031111&#xA0;1111&nbsp;"#.utf8) + Array("１１１１ b ".utf8) + Array(#"\\u0034 “c” &amp; "#.utf8) + Array("\u{200B}".utf8)
        let whole = PANMasking.masked(String(decoding: text, as: UTF8.self))
        #expect(whole.contains("*") && whole.hasSuffix(#" b \\u0034 “c” &amp; "# + "\u{200B}"), "\(whole)")
        for first in 1..<text.count {
            for second in first..<text.count {
                var masker = StreamingPANMasker()
                var output: [UInt8] = []
                for chunk in [text[..<first], text[first..<second], text[second...]] {
                    chunk.withUnsafeBytes { chunk in output += masker.passesUnchanged(chunk) ? Array(chunk) : masker.process(chunk) }
                }
                output += masker.finish()
                #expect(String(decoding: output, as: UTF8.self) == whole, "cut at \(first), \(second)")
            }
        }
    }
}

/// The fast path (skipping stretches too short to hold a card number) finds exactly what the plain
/// byte-by-byte walk finds, on random text dense in digits and separators.
struct PANDetectorFastPathTests {
    @Test func fastPathAgreesWithThePlainWalk() {
        var generator = SystemRandomNumberGenerator()
        // Digit-dense, mixed and sparse texts, so both the skipping and the exact path run.
        let alphabets = [
            Array("0123456789012345678901234567890123456789  --ab\n".utf8), Array("0123456789 -abcdefghijklmnopqrstuvwxyz.,".utf8),
            Array("01 abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz".utf8),
        ]
        let cards = ["4111111111111111", "4111 1111 1111 1111", "3782-822463-10005", "6200000000000005", "30569309025904"]
        for _ in 0..<300 {
            var text: [UInt8] = []
            let alphabet = alphabets.randomElement(using: &generator)!
            let length = Int.random(in: 0...3_000, using: &generator)
            while text.count < length {
                if Int.random(in: 0..<150, using: &generator) == 0 {
                    text += Array(cards.randomElement(using: &generator)!.utf8)
                } else {
                    text.append(alphabet.randomElement(using: &generator)!)
                }
            }
            var fast: [Range<Int>] = [], plain: [Range<Int>] = []
            text.withUnsafeBytes { raw in
                PANDetector.scan(raw, skippingShortRuns: true) { range, _, _ in fast.append(range) }
                PANDetector.scan(raw, skippingShortRuns: false) { range, _, _ in plain.append(range) }
            }
            #expect(fast == plain, "\(String(decoding: text, as: UTF8.self))")
            if fast != plain { return }
        }
    }
}

@Suite("Base58")
struct Base58Tests {
    /// The textbook carry-chain encoding, to check the limb-wise one against.
    static func reference(_ bytes: [UInt8]) -> String {
        let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)
        var digits: [UInt8] = []
        for byte in bytes {
            var carry = Int(byte)
            for index in digits.indices {
                carry += Int(digits[index]) << 8
                digits[index] = UInt8(carry % 58)
                carry /= 58
            }
            while carry > 0 {
                digits.append(UInt8(carry % 58))
                carry /= 58
            }
        }
        let zeros = bytes.prefix { $0 == 0 }.count
        return String(decoding: Array(repeating: alphabet[0], count: zeros) + digits.reversed().map { alphabet[Int($0)] }, as: UTF8.self)
    }

    @Test func matchesTheReferenceEncoding() {
        #expect(Base58.encode(Array("hello world".utf8)) == "StV1DL6CwTryKyV")
        #expect(Base58.encode([]) == "" && Base58.encode([0, 0]) == "11" && Base58.encode([0, 0, 1]) == "112")
        var generator = SystemRandomNumberGenerator()
        for length in [1, 2, 3, 4, 5, 7, 8, 31, 32, 33] {
            for _ in 0..<300 {
                var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                if Bool.random(using: &generator) { bytes[0] = 0 }
                if length > 2 && Bool.random(using: &generator) { bytes[1] = 0 }
                #expect(Base58.encode(bytes) == Self.reference(bytes), "\(bytes)")
            }
        }
    }
}
