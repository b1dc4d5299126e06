import Foundation
import GatehouseCompression
import GatehouseCore
import Testing

@testable import GatehouseTokenization

/// Card numbers carried in base64 text or compressed data: found however they are wrapped and
/// nested, refused with a sentence saying what to do; encoded data without one passes.
struct EncodedCardDataTests {
    static let csv = "customer,card,amount\nacme,4111 1111 1111 1111,12.00\n"

    func refusal(_ text: String) -> CardRefusal? {
        refusal(Array(text.utf8))
    }

    func refusal(_ bytes: [UInt8]) -> CardRefusal? {
        do {
            try EncodedCardData.check(bytes)
            return nil
        } catch {
            return error
        }
    }

    static func compressed(_ text: some Collection<UInt8>, _ format: ZlibFormat) throws -> [UInt8] {
        var output: [UInt8] = []
        let deflater = try StreamingDeflater(format: format)
        try Array(text).withUnsafeBytes { try deflater.feed($0) { output += $0 } }
        try deflater.finish { output += $0 }
        return output
    }

    /// A ZIP archive with one entry (a local header, then the data), as `zip` writes it.
    static func zip(_ name: String, _ contents: String, method: UInt16 = 8, flags: UInt16 = 0) throws -> [UInt8] {
        let data = method == 8 ? try compressed(Array(contents.utf8), .raw) : Array(contents.utf8)
        func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
        func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8((value >> ($0 * 8)) & 0xFF) } }
        var header: [UInt8] = [0x50, 0x4B, 0x03, 0x04] + le16(20) + le16(flags) + le16(method) + le16(0) + le16(0)
        header += le32(0) + le32(data.count) + le32(contents.utf8.count) + le16(UInt16(name.utf8.count)) + le16(0)
        return header + Array(name.utf8) + data
    }

    @Test func base64InEveryWrapping() throws {
        let encoded = Data(Self.csv.utf8).base64EncodedString()
        let urlSafe = encoded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        // MIME wraps at 76 characters; the card number straddles the break.
        let wrapped = Data((String(repeating: "x", count: 20) + Self.csv).utf8).base64EncodedString(options: .lineLength76Characters)
        // (The number's bytes, 46 to 65, are characters 61 to 88: the break at 76 falls inside it.)
        #expect(wrapped.contains("\r\n"))
        var cases = [
            "{\"file\":\"\(encoded)\"}",
            "{\"file\":\"data:text/csv;base64,\(encoded)\"}",
            "file=\(urlSafe)&x=1",
            "note " + urlSafe,
            // Glued to a word before it, at each alignment.
            "a" + encoded, "ab" + encoded, "abc" + encoded,
            wrapped,
            "{\"file\":\"" + wrapped.replacingOccurrences(of: "\r\n", with: "\\r\\n") + "\"}",
            // JSON may escape '/', a form escapes '+', '/' and '='.
            "{\"file\":\"" + encoded.replacingOccurrences(of: "/", with: "\\/") + "\"}",
            "file=" + encoded.replacingOccurrences(of: "+", with: "%2B").replacingOccurrences(of: "/", with: "%2f")
                .replacingOccurrences(of: "=", with: "%3D"),
        ]
        let lines = wrapped.components(separatedBy: "\r\n")
        cases += [
            // XML: lines indented (pretty-printed), or ended by character references (JDK serializers).
            "<doc>\n    <data>\n      " + lines.joined(separator: "\n      ") + "\n    </data>\n</doc>",
            "<data>" + lines.joined(separator: "\n\t\t") + "</data>",
            "<data>" + lines.joined(separator: "&#13;\n") + "</data>",
            "<data>" + lines.joined(separator: "&#xD;&#xA;  ") + "</data>",
            "<data>" + lines.joined(separator: "&#013;&#x0a;") + "</data>",
            // That XML, as a JSON string (indented with spaces or tabs), as a form value, in an attribute.
            "{\"xml\":\"<data>\\n  " + lines.joined(separator: "\\n  ") + "</data>\"}",
            "{\"xml\":\"<data>\\n\\t\\t" + lines.joined(separator: "\\r\\n\\t\\t") + "</data>\"}",
            "xml=%3Cdata%3E" + lines.joined(separator: "%0A%20%20").replacingOccurrences(of: "+", with: "%2B")
                .replacingOccurrences(of: "/", with: "%2F"),
            "<file data=\"" + lines.joined(separator: "&#10;&#9;") + "\"/>",
        ]
        for text in cases {
            #expect(refusal(text) == .encodedCardNumber(encoding: "base64"), "\(text)")
        }
        // Base64 inside base64 (a JSON document with a file, sent encoded).
        let inner = "{\"attachment\":\"\(encoded)\"}"
        #expect(refusal("payload=" + Data(inner.utf8).base64EncodedString()) == .encodedCardNumber(encoding: "base64"))
        let message = try #require(refusal(cases[0])).description
        #expect(message.contains("base64") && message.contains("send card numbers as plain text") && !message.contains("4111"))
    }

    @Test func compressedUploadsAreReadThrough() throws {
        let gzip = try Self.compressed(Array(Self.csv.utf8), .gzip)
        #expect(refusal(gzip) == .encodedCardNumber(encoding: "gzip"))
        // In a multipart part, and sent as base64 ("H4sI…", a gzip file in JSON).
        let multipart = Array("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.csv.gz\"\r\n\r\n".utf8) + gzip
            + Array("\r\n--b--\r\n".utf8)
        #expect(refusal(multipart) == .encodedCardNumber(encoding: "gzip"))
        #expect(refusal("{\"f\":\"\(Data(gzip).base64EncodedString())\"}") == .encodedCardNumber(encoding: "gzip"))
        // A ZIP entry, deflated (as in .zip and .xlsx); and a ZIP in base64.
        let zip = try Self.zip("orders.csv", Self.csv)
        #expect(refusal(zip) == .encodedCardNumber(encoding: "ZIP"))
        #expect(refusal("{\"f\":\"\(Data(zip).base64EncodedString())\"}") == .encodedCardNumber(encoding: "ZIP"))
        // UTF-16 text (PowerShell's and Excel's "Unicode"), and a zlib stream (Python's and Java's
        // deflaters), in base64.
        let utf16 = try #require(Self.csv.data(using: .utf16LittleEndian))
        #expect(refusal("{\"f\":\"\(utf16.base64EncodedString())\"}") == .encodedCardNumber(encoding: "base64"))
        let zlib = try Self.compressed(Array(Self.csv.utf8), .zlib)
        #expect(refusal("{\"f\":\"\(Data(zlib).base64EncodedString())\"}") == .encodedCardNumber(encoding: "zlib"))
        // A gzip of base64: the base64 inside is read too.
        let wrapped = try Self.compressed(Array(Data(Self.csv.utf8).base64EncodedString().utf8), .gzip)
        #expect(refusal(wrapped) == .encodedCardNumber(encoding: "base64"))
        // A stored entry's contents are the bytes themselves: the plain scan reads them, this passes them.
        #expect(refusal(try Self.zip("orders.csv", Self.csv, method: 0)) == nil)
    }

    /// Office documents split a typed number into runs where its formatting or a spell-check mark
    /// changes: read as the document shows it, the number is found; numbers in different paragraphs
    /// or cells are never joined.
    @Test func numbersSplitIntoOfficeRunsAreFound() throws {
        let word = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="w"><w:body><w:p w:rsidR="41111111">"#
            + #"<w:r><w:t xml:space="preserve">Card: 4111 1111</w:t></w:r><w:proofErr w:type="spellStart"/><w:r><w:rPr><w:b/>"#
            + #"<w:sz w:val="24"/></w:rPr><w:t xml:space="preserve"> 1111 1111</w:t></w:r></w:p></w:body></w:document>"#
        let sheet = #"<sst count="1"><si><r><t>5555 5555</t></r><r><rPr><b/><sz val="11"/><color rgb="FF0000"/></rPr><t> 5555 4444</t></r></si></sst>"#
        let slide = #"<p:sld><a:p><a:r><a:rPr lang="en-US"/><a:t>3782 822463</a:t></a:r><a:r><a:rPr b="1"/><a:t> 10005</a:t></a:r></a:p></p:sld>"#
        let text = #"<office:text><text:p>6011 1111 <text:span text:style-name="T1">1111</text:span> 1117</text:p></office:text>"#
        for (name, xml) in [("word/document.xml", word), ("xl/sharedStrings.xml", sheet), ("ppt/slides/slide1.xml", slide), ("content.xml", text)] {
            #expect(refusal(try Self.zip(name, xml)) == .encodedCardNumber(encoding: "ZIP"), "\(name)")
            // Each alone is no card number as written.
            #expect(!xml.contains("4111 1111 1111 1111") && !xml.contains("5555 5555 5555 4444"))
        }
        // The same digits in different paragraphs, cells or rows: not joined, nothing refused.
        let apart = [
            #"<w:document><w:body><w:p><w:r><w:t>Order 4111 1111</w:t></w:r></w:p><w:p><w:r><w:t>1111 1111</w:t></w:r></w:p></w:body></w:document>"#,
            #"<sst><si><t>4111111111</t></si><si><t>111111</t></si></sst>"#,
            #"<worksheet><sheetData><row><c><v>4111111111</v></c><c><v>111111</v></c></row></sheetData></worksheet>"#,
            #"<w:document><w:p><w:r><w:t>4111 1111</w:t><w:tab/><w:t>1111 1111</w:t><w:br/></w:r></w:p></w:document>"#,
        ]
        for xml in apart {
            #expect(refusal(try Self.zip("word/document.xml", xml)) == nil, "\(xml)")
        }
        // Word's edits and markers inside a number: a tracked formatting change, a tracked correction
        // (shown as 4111 1111 1111 1111), a comment, a moved range, a content control; pretty-printed XML.
        let run = #"</w:t></w:r>"#, next = #"<w:r><w:t xml:space="preserve">"#
        let edited = [
            "4111 1111" + run + #"<w:r><w:rPr><w:b/><w:rPrChange w:id="1" w:author="A"><w:rPr/></w:rPrChange></w:rPr><w:t> 1111 1111"#,
            "4111 1111 1111 111" + run + #"<w:del w:id="2"><w:r><w:delText>2</w:delText></w:r></w:del><w:ins w:id="3">"# + next + "1",
            "4111 1111" + run + #"<w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r>"# + next + " 1111 1111",
            "4111 1111" + run + #"<w:moveToRangeStart w:id="4"/><w:moveTo>"# + next + " 1111 1111",
            "4111 1111" + run + #"<w:sdt><w:sdtPr><w:alias w:val="x"/></w:sdtPr><w:sdtContent>"# + next + " 1111 1111",
            "4111 1111" + run + "\n      " + next + " 1111 1111",
        ]
        for middle in edited {
            let xml = "<w:document><w:body><w:p>" + next + middle + "</w:t></w:r></w:p></w:body></w:document>"
            #expect(refusal(try Self.zip("word/document.xml", xml)) == .encodedCardNumber(encoding: "ZIP"), "\(middle)")
        }
        // Text the document does not show inline: hidden, superscript, deleted. Joined, these would be
        // Luhn-valid card numbers; shown, they are not.
        let unseen = [
            "Ref 4000 1234 5678" + run + #"<w:r><w:rPr><w:vanish/></w:rPr><w:t> 9017"#,
            "Total 401234567890" + run + #"<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:t>9"#,
            "Order 4000 1234 5678 90" + run + #"<w:del w:id="1"><w:r><w:delText>1</w:delText></w:r></w:del>"# + next + "7",
        ]
        for middle in unseen {
            let xml = "<w:document><w:body><w:p>" + next + middle + "</w:t></w:r></w:p></w:body></w:document>"
            #expect(refusal(try Self.zip("word/document.xml", xml)) == nil, "\(middle)")
        }
        #expect(PANDetector.containsPAN("4000 1234 5678 9017") && PANDetector.containsPAN("4012345678909") && PANDetector.containsPAN("4000 1234 5678 9017"))
        // Read in linear time, tag by tag, whatever the tags.
        let started = Date()
        let heavy = Array(String(repeating: "<w:r><w:t>1 </w:t></w:r><!-- c --><?p?><![CDATA[2]]><x:y/>", count: 40_000).utf8)
        #expect(heavy.withUnsafeBytes(DocumentText.visibleText).count == 160_000)
        #expect(Date().timeIntervalSince(started) < 10)
        let shown = Array("<doc><!-- 4111 --><?pi x?><w:t><![CDATA[12]]></w:t><w:noBreakHyphen/>3<text:s/>4</doc>".utf8).withUnsafeBytes(DocumentText.visibleText)
        #expect(String(decoding: shown, as: UTF8.self) == "\n12-3 4\n")
        #expect(Array("  <?xml?>".utf8).withUnsafeBytes(DocumentText.mayBeXML) && !Array("4111 <b>".utf8).withUnsafeBytes(DocumentText.mayBeXML))
    }

    /// ASCII85 (Adobe), without its `~>` end.
    static func ascii85(_ bytes: [UInt8]) -> String {
        var text = ""
        for start in stride(from: 0, to: bytes.count, by: 4) {
            let chunk = Array(bytes[start..<min(start + 4, bytes.count)])
            let value = (chunk + [UInt8](repeating: 0, count: 4 - chunk.count)).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            var digits: [UInt8] = []
            var rest = value
            for _ in 0..<5 {
                digits.insert(UInt8(rest % 85) + 33, at: 0)
                rest /= 85
            }
            text += String(decoding: digits.prefix(chunk.count + 1), as: UTF8.self)
        }
        return text
    }

    /// A PDF of one page whose content stream (and whatever other streams) are FlateDecode-compressed.
    static func pdf(_ streams: [String]) throws -> [UInt8] {
        var file = Array("%PDF-1.7\n%\u{E2}\u{E3}\n".utf8)
        for (number, stream) in streams.enumerated() {
            let data = try compressed(Array(stream.utf8), .zlib)
            file += Array("\(number + 1) 0 obj\n<< /Length \(data.count) /Filter /FlateDecode >>\nstream\r\n".utf8) + data
            file += Array("\r\nendstream\nendobj\n".utf8)
        }
        return file + Array("trailer\n<< /Root 1 0 R >>\n%%EOF\n".utf8)
    }

    /// A PDF's compressed streams are read: text drawn whole, split by kerning or a font change, in hex
    /// strings, a form field's value in an object stream; a PDF without a card number passes.
    @Test func cardNumbersInPDFStreamsAreFound() throws {
        let drawn = [
            "BT /F1 12 Tf 72 700 Td (Card: 4111 1111 1111 1111) Tj ET",
            "BT /F1 12 Tf 72 700 Td [(4111 11)-15(11 1111 1)12(111)] TJ ET",
            "BT /F1 12 Tf 72 700 Td (5555 5555) Tj /F2 12 Tf ( 5555 4444) Tj ET",
            "BT /F1 12 Tf 72 700 Td <34313131203131313120313131312031313131> Tj ET",
            "BT /F1 12 Tf 72 700 Td (\\064111111111111111) Tj ET",
            "/Span << /ActualText (3782 822463 10005) >> BDC BT (x) Tj ET EMC",
        ]
        for content in drawn {
            #expect(refusal(try Self.pdf(["<< /Type /Page >>", content])) == .encodedCardNumber(encoding: "PDF"), "\(content)")
        }
        // A filled form: the field's value kept in a compressed object stream.
        let objects = "12 0 13 40 << /FT /Tx /T (card) /V (4111111111111111) >> << /FT /Tx /T (name) /V (Ada) >>"
        #expect(refusal(try Self.pdf([objects])) == .encodedCardNumber(encoding: "PDF"))
        // Sent as base64 in JSON.
        let upload = "{\"file\":\"" + Data(try Self.pdf([drawn[1]])).base64EncodedString() + "\"}"
        #expect(refusal(upload) == .encodedCardNumber(encoding: "PDF"))
        // An invoice: totals, dates, order numbers, positioned apart; a wide gap is a space.
        let invoice = [
            "BT /F1 10 Tf 72 700 Td (Invoice SO-2026-000123) Tj 0 -14 Td (Total 4111.11) Tj 0 -14 Td (1111 1111) Tj",
            "300 0 Td (1111 1111) Tj ET BT [(Order 4111)-12(1111)] TJ T* (1111 1111) Tj ET",
        ].joined(separator: " ")
        #expect(refusal(try Self.pdf(["<< /Type /Page >>", invoice])) == nil)
        let shown = Array("BT [(ab)-900(cd)-10(ef)] TJ (g\\(h\\)) Tj 0 -14 Td <6869> Tj ET".utf8).withUnsafeBytes(PDFStreams.shownText)
        #expect(String(decoding: shown, as: UTF8.self) == "ab cdefg(h)\nhi\n")
        // Streams in ASCII85 or ASCII hex before FlateDecode (ReportLab writes ASCII85 by default).
        let deflated = try Self.compressed(Array(drawn[0].utf8), .zlib)
        for encoded in [Self.ascii85(deflated) + "~>", deflated.map { String(format: "%02x", $0) }.joined() + ">"] {
            let file = Array("%PDF-1.4\n1 0 obj\n<< /Filter [/ASCII85Decode /FlateDecode] >>\nstream\n\(encoded)\nendstream\n".utf8)
            #expect(refusal(file) == .encodedCardNumber(encoding: "PDF"), "\(encoded.prefix(8))")
        }
        // A form field's value in UTF-16BE; values of different fields are never joined.
        #expect(refusal(try Self.pdf(["<< /FT /Tx /V <FEFF0034003100310031003100310031003100310031003100310031003100310031> >>"])) == .encodedCardNumber(encoding: "PDF"))
        #expect(refusal(try Self.pdf(["<< /V (4111111111) >> << /V (111111) >>"])) == nil)
        // Text that is no PDF's is not read as one: a gzipped CSV with `BT`, `TJ` and parentheses.
        let csv = "BTU,Peabody Energy,(4060)\nTJX,TJX Companies,(3028)\nLUV,Southwest,(4657)\nKO,Coca-Cola,(2013)\n"
        #expect(PANDetector.containsPAN("4060302846572013"))
        #expect(refusal(try Self.compressed(Array(csv.utf8), .gzip)) == nil)
        // Empty streams cost an inflater each: charged, so thousands of them exhaust a small allowance.
        var empties = Array("%PDF-1.4\n".utf8)
        while empties.count < 64 << 10 { empties += Array(">>stream\n".utf8) + [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01] }
        #expect(throws: CardRefusal.contentsTooLarge(limitMiB: 2)) { try EncodedCardData.check(empties, contentsLimit: 2 << 20) }
        // A stream that does not inflate is no PDF text, and many of them are refused like false starts.
        var damaged = Array("%PDF-1.4\n".utf8)
        for _ in 0...CompressedMembers.mostFalseStarts { damaged += Array("<< >>\nstream\n".utf8) + [0x78, 0x9C, 0xFF, 0xFF, 0xFF, 0xFF] + Array("\nendstream\n".utf8) }
        #expect(refusal(damaged) != nil)
        #expect(refusal(Array(damaged.prefix(400))) == nil)
    }

    @Test func compressedDataThatCannotBeReadIsRefused() throws {
        let encrypted = try Self.zip("orders.csv", "anything", flags: 1)
        let encryptedMessage = try #require(refusal(encrypted)).description
        #expect(encryptedMessage.contains("encrypted with a password") && encryptedMessage.contains("send it unencrypted"))
        let bzip2 = try Self.zip("orders.csv", "anything", method: 12)
        #expect(try #require(refusal(bzip2)).description.contains("method 12"))
        // A bomb: 40 MiB of zeros in a gzip of about 40 KiB (the limit for a body this size is 256 times it).
        let bomb = try Self.compressed([UInt8](repeating: 0, count: 40 << 20), .gzip)
        #expect(bomb.count < 64 * 1024)
        let started = Date()
        let bombMessage = try #require(refusal(bomb)).description
        #expect(bombMessage.contains("expands past \((bomb.count * 256) >> 20) MiB") && bombMessage.contains("smaller parts"), "\(bombMessage)")
        #expect(Date().timeIntervalSince(started) < 5)
        // Many starts that do not inflate (a gzip header, then a block of a type deflate lacks):
        // refused before they cost minutes; a few pass.
        let start: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xFF]
        #expect(refusal(Array(repeating: start, count: 300).flatMap { $0 } + Array("tail".utf8))?.description.contains("do not decompress") == true)
        #expect(refusal(Array(repeating: start, count: 100).flatMap { $0 } + Array("tail".utf8)) == nil)
    }

    /// An archive is read whole as it inflates, past what is held of it: a card number after 40 MiB
    /// of contents is found.
    @Test func largeContentsAreReadAsTheyInflate() throws {
        // Lines of two 8-letter words from a simple generator: contents that compress only about 1.6:1, so
        // the request is large enough to be allowed 40 MiB of them.
        var text: [UInt8] = []
        text.reserveCapacity(40 << 20)
        var state: UInt32 = 12345
        while text.count < 40 << 20 {
            for position in 0..<18 {
                state = state &* 1_103_515_245 &+ 12345
                text.append(position == 8 ? UInt8(ascii: ",") : position == 17 ? 0x0A : 0x61 + UInt8((state >> 16) % 26))
            }
        }
        let clean = try Self.compressed(text, .gzip)
        #expect(refusal(clean) == nil)
        text += Array(Self.csv.utf8)
        #expect(refusal(try Self.compressed(text, .gzip)) == .encodedCardNumber(encoding: "gzip"))
    }

    /// Read piece by piece, contents give the answer reading them whole gives, wherever the pieces
    /// are cut: numbers alone, inside runs of digit groups, glued to letters. (A run longer than
    /// `ContentsReader.longestRun` is cut, and may be read otherwise there.)
    @Test func contentsReadInPiecesAgreeWithTheWholeText() {
        let pieces = ["4111 1111 1111 1111", "4111111111111111", "5555-5555-5555-4444", "1234 ", "99", " ", "-", "x", ",", "\n", "ab"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            let text = Array((0..<Int.random(in: 1...30, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined().utf8)
            let whole = text.withUnsafeBytes { EncodedCardData.holdsStandaloneCardNumber($0) }
            var reader = ContentsReader()
            var start = 0
            while start < text.count {
                let end = min(text.count, start + Int.random(in: 1...24, using: &generator))
                text[start..<end].withUnsafeBytes { reader.read($0) }
                start = end
            }
            reader.finish()
            #expect(reader.holdsCardNumber == whole, "\(String(decoding: text, as: UTF8.self))")
        }
    }

    /// Members next to each other, and after bytes that only looked like a start, are all read.
    @Test func membersAfterOthersAndAfterFalseStartsAreRead() throws {
        #expect(refusal(try Self.compressed(Array("4111111111111111".utf8), .gzip)) == .encodedCardNumber(encoding: "gzip"))
        let member = try Self.compressed(Array("no card here".utf8), .gzip)
        #expect(refusal(member + Array("\n".utf8) + (try Self.zip("orders.csv", Self.csv))) == .encodedCardNumber(encoding: "ZIP"))
        // A gzip header with an extra field 60,000 bytes long, which swallows the real member after it.
        let falseStart: [UInt8] = [0x1F, 0x8B, 0x08, 0x04, 0, 0, 0, 0, 0, 0x03, 0x60, 0xEA]
        let hidden = falseStart + Array(repeating: 0x20, count: 100) + (try Self.compressed(Array(Self.csv.utf8), .gzip))
        #expect(refusal(hidden) == .encodedCardNumber(encoding: "gzip"))
        // Text glued before a base64 gzip (`/upload/H4sI…`): the reading that finds it is read further.
        let gzip = Data(try Self.compressed(Array(Self.csv.utf8), .gzip)).base64EncodedString()
        #expect(refusal("/upload/" + gzip) == .encodedCardNumber(encoding: "gzip"))
        let zlib = Data(try Self.compressed(Array(Self.csv.utf8), .zlib)).base64EncodedString()
        #expect(refusal("files/" + zlib) == .encodedCardNumber(encoding: "zlib"))
    }

    /// Each compressed byte is inflated once, however many starts overlap it: a gzip header whose
    /// file name holds thousands more starts costs one inflation, not one per start.
    @Test func overlappingStartsAreInflatedOnce() throws {
        let text = Array(String(repeating: "customer,amount\nacme,12.00\n", count: 20_000).utf8)
        let member = try Self.compressed(text, .gzip)
        // FLG.FNAME set, then the name: 4,000 more gzip starts, ended by NUL; then the deflate data.
        let starts = Array(repeating: [UInt8]([0x1F, 0x8B, 0x08, 0x08]), count: 4_000).flatMap { $0 }
        let crafted = [0x1F, 0x8B, 0x08, 0x08] + member[4..<10] + starts + [0] + member[10...]
        let started = Date()
        #expect(refusal(crafted) == nil)
        #expect(Date().timeIntervalSince(started) < 10)
        // Empty members are members (an empty file in a ZIP, `cat` of empty gzips), not false starts.
        let empty = try Self.compressed([], .gzip)
        #expect(refusal(Array(repeating: empty, count: 300).flatMap { $0 }) == nil)
        #expect(refusal(try (0..<300).flatMap { try Self.zip("dir\($0)/", "") }) == nil)
    }

    @Test func encodedDataWithoutCardNumbersPasses() throws {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<(256 * 1024)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let texts = [
            "{\"image\":\"data:image/png;base64,\(Data(random).base64EncodedString())\"}",
            "{\"file\":\"\(Data("customer,amount\nacme,12.00\norder 2026-11-30 #1234567890123\n".utf8).base64EncodedString())\"}",
            "sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "id=123e4567-e89b-12d3-a456-426614174000&digits=41111111111111111111",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
            "/api/v1/customers/acme/orders/2026/11/30/items?page=2",
        ]
        for text in texts {
            #expect(refusal(text) == nil, "\(text.prefix(80))")
        }
        #expect(refusal(random) == nil)
        // A Luhn-valid run inside a hex ID (a SAML response's, a JWT's) is not a card number.
        let saml = "<samlp:Response ID=\"_a4111111111111111b\" IssueInstant=\"2026-11-30T12:00:00Z\"><saml:Assertion/></samlp:Response>"
        #expect(refusal("SAMLResponse=" + Data(saml.utf8).base64EncodedString()) == nil)
        // Bytes that only look like a ZIP header (an impossible version) are not an encrypted entry.
        #expect(refusal([0x50, 0x4B, 0x03, 0x04, 0xFF, 0xFF, 0xFF, 0xFF] + Array(repeating: 0xEE, count: 40)) == nil)
        #expect(refusal(try Self.compressed(Array("no card here, order 1234567890123".utf8), .gzip)) == nil)
        #expect(refusal(try Self.zip("notes.txt", "no card here")) == nil)
    }

    /// The gateway's body check runs before any rewriting: a body with a plain card number and an
    /// encoded one is refused; with only a plain one it is tokenized as before.
    @Test func bodiesAreCheckedBeforeRewriting() throws {
        let encoded = Data(Self.csv.utf8).base64EncodedString()
        let tokenizer = RequestTokenizer()
        #expect(throws: CardRefusal.encodedCardNumber(encoding: "base64")) {
            try tokenizer.rewriteBody(
                Array("{\"card\":\"4111111111111111\",\"file\":\"\(encoded)\"}".utf8), contentType: "application/json", withContext: false,
                tokenFor: { _ in "tok_x_1111" })
        }
        let plain = try tokenizer.rewriteBody(
            Array("{\"card\":\"4111111111111111\"}".utf8), contentType: "application/json", withContext: false, tokenFor: { _ in "tok_x_1111" })
        #expect(plain.tokenized == 1)
        #expect(throws: CardRefusal.encodedCardNumber(encoding: "base64")) { try tokenizer.refuseEncodedCards(in: ["/a", "session=" + encoded]) }
        #expect(throws: Never.self) { try tokenizer.refuseEncodedCards(in: ["/orders?page=2", "session=abc; theme=dark"]) }
        // The parts share one budget: a bomb in each header does not get a budget each.
        var bomb = try Self.compressed([UInt8](repeating: 0x41, count: 600 << 10), .gzip)
        bomb = try Self.compressed(bomb, .gzip)
        let header = Data(bomb).base64EncodedString()
        #expect(header.utf8.count < 4096)
        #expect(throws: Never.self) { try tokenizer.refuseEncodedCards(in: [header]) }
        let refusal = try #require(throws: CardRefusal.self) { try tokenizer.refuseEncodedCards(in: Array(repeating: header, count: 4)) }
        #expect(refusal.description.contains("expands past 1 MiB"), "\(refusal)")
    }

    /// The word-at-a-time search finds exactly the runs a byte-by-byte reading of the whole text finds,
    /// wherever the runs, their joins and their ends fall; and its lane test lets through every byte a
    /// run may hold.
    @Test func runSearchAgreesWithTheByteByByteReading() {
        for byte in UInt8.min...UInt8.max {
            let lanes = ByteLanes.mayBeBase64(UInt64(byte) &* ByteLanes.ones) == ByteLanes.highBits
            #expect(lanes == Base64Runs.mayBeInRun(byte), "\(byte)")
        }
        let pieces = [
            "QUJD", "a", "Z9", "+", "/", "-", "_", "\\n", "\\/", "%2B", "%2f", "%0A", "%3D", "\r\n", "\n", "=", " ", "\t", "\"", ",", "é",
            "%", "\\", "&#", ";", "&", "#",
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let text = Array((0..<Int.random(in: 0...60, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined().utf8)
            // Indentation and character references join lines, and a run of lines all shorter than the
            // search's word may go unread (no encoder wraps so short): `indentedLinesAreJoined` covers them.
            if text.indices.contains(where: { index in
                (text[index] == 0x20 || text[index] == 0x09) && index > 0
                    && [0x0A, 0x0D, UInt8(ascii: ";"), UInt8(ascii: "n"), UInt8(ascii: "A")].contains(text[index - 1])
            }) { continue }
            var expected: [[UInt8]] = [], found: [[UInt8]] = []
            text.withUnsafeBytes { bytes in
                Base64Runs.eachExactly(in: bytes) { expected.append($0) }
                Base64Runs.each(in: bytes) { found.append($0) }
            }
            #expect(found == expected, "\(String(decoding: text, as: UTF8.self))")
        }
    }

    /// Wrapped lines (at least 17 bytes, as every encoder writes them) joined by line breaks in any
    /// spelling and indentation are found alike by the search and by the byte-by-byte reading; a
    /// space that follows no line break ends a run.
    @Test func indentedLinesAreJoined() {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_".utf8)
        let breaks = ["\n", "\r\n", "\\n", "%0A", "&#13;", "&#xD;&#xA;", "&#10;"]
        let between = ["", " ", "  ", "\t", "    ", "\t \t", "\\t\\t", "%20%20", "%09", "&#9;", "&#32; ", "&#x20;"]
        let ends = ["\"", "<", " ", "=", ":", "&amp;", "\t"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var text = ""
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                text += String(decoding: (0..<Int.random(in: 17...80, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }, as: UTF8.self)
                text += Bool.random(using: &generator)
                    ? breaks.randomElement(using: &generator)! + between.randomElement(using: &generator)!
                    : ends.randomElement(using: &generator)!
            }
            let bytes = Array(text.utf8)
            var expected: [[UInt8]] = [], found: [[UInt8]] = []
            bytes.withUnsafeBytes { bytes in
                Base64Runs.eachExactly(in: bytes) { expected.append($0) }
                Base64Runs.each(in: bytes) { found.append($0) }
            }
            #expect(found == expected, "\(text)")
        }
        // Two runs side by side on one line are two runs, however long.
        var runs: [[UInt8]] = []
        Array("QUJDRUZHSElKS0xNTk9QUVJT QUJDRUZHSElKS0xNTk9QUVJT".utf8).withUnsafeBytes { Base64Runs.each(in: $0) { runs.append($0) } }
        #expect(runs.count == 2 && runs.allSatisfy { $0.count == 24 })
        var joined: [[UInt8]] = []
        Array("QUJDRUZHSElKS0xNTk9QUVJT&#13;\n    QUJDRUZHSElKS0xNTk9QUVJT".utf8).withUnsafeBytes { Base64Runs.each(in: $0) { joined.append($0) } }
        #expect(joined.count == 1 && joined[0].count == 48)
    }

    /// The memchr-based search (multipart boundaries, PDF keywords) finds what the standard library's
    /// search finds, without its cost of about 70 ns a byte.
    @Test func byteSearchAgreesAndIsFast() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            let text = (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt8.random(in: 0x61...0x63, using: &generator) }
            let pattern = (0..<Int.random(in: 1...4, using: &generator)).map { _ in UInt8.random(in: 0x61...0x63, using: &generator) }
            let from = Int.random(in: 0...10, using: &generator)
            #expect(text.firstBytes(pattern) == text.firstRange(of: pattern), "\(text) \(pattern)")
            let slice = text[min(from, text.count)...]
            #expect(slice.firstBytes(pattern) == slice.firstRange(of: pattern))
        }
        // A boundary at the end of 64 MiB: found in milliseconds (the generic search takes seconds).
        let upload = [UInt8](repeating: UInt8(ascii: "a"), count: 64 << 20) + Array("\r\n--b".utf8)
        let started = Date()
        #expect(upload.firstBytes(Array("\r\n--b".utf8)) == (64 << 20)..<(64 << 20) + 5)
        #expect(Date().timeIntervalSince(started) < 1)
        // A boundary of 30,000 dashes in a body of dashes: still linear, not a compare at every byte.
        let dashes = [UInt8](repeating: UInt8(ascii: "-"), count: 1 << 20)
        let longStarted = Date()
        #expect(dashes.firstBytes([UInt8](repeating: UInt8(ascii: "-"), count: 30_000) + [0x78]) == nil)
        #expect((dashes + [0x78]).firstBytes([UInt8](repeating: UInt8(ascii: "-"), count: 30_000) + [0x78]) == (1 << 20) - 30_000..<(1 << 20) + 1)
        #expect(Date().timeIntervalSince(longStarted) < 5)
    }

    /// Reading is linear: a long run of one character, and long runs of base64 with escapes.
    @Test func longRunsAreReadInLinearTime() {
        let started = Date()
        #expect(refusal(String(repeating: "A", count: 4 << 20)) == nil)
        #expect(refusal(String(repeating: "QUJD\\n", count: 400_000)) == nil)
        #expect(refusal(String(repeating: "QUJD&#13;\n  ", count: 300_000)) == nil)
        #expect(refusal(String(repeating: "word\n    ", count: 400_000)) == nil)
        // Each of four readings of `VVVV…` is text (`UUUU…`): only one is read further.
        #expect(refusal(String(repeating: "V", count: 2 << 20)) == nil)
        #expect(Date().timeIntervalSince(started) < 20)
    }
}
