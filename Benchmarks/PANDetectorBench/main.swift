import Foundation
import Crypto
import GatehouseTokenization

// Detector throughput on mixed text: words, order numbers, dates, amounts, phone numbers, and a
// card number every few kilobytes. Prints MB/s; the target is 1 GB/s. Run in release:
//   swift run -c release pan-detector-bench [megabytes]
//   swift run -c release pan-detector-bench rewrite     (per-request JSON tokenization cost)
//   swift run -c release pan-detector-bench mask        (response masking on pages full of references)
let megabytes = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 100
nonisolated(unsafe) var generator = SystemRandomNumberGenerator()
let words = ["invoice", "customer", "the", "amount", "shipped", "warehouse", "Montréal", "total:", "qty", "SKU", "order", "paid", "net", "tax"]
let cards = ["4111111111111111", "5555 5555 5555 4444", "3782-822463-10005", "6011111111111117"]

/// A corpus of `megabytes` of tokens; `numberShare` of 40 tokens are numeric (quantities, dates,
/// phone and order numbers, amounts), the rest words; a card number among every ~2,000 tokens.
@MainActor func corpus(numberShare: Int) -> (text: [UInt8], planted: Int) {
    var text: [UInt8] = []
    text.reserveCapacity(megabytes * 1_000_000 + 1_000)
    var planted = 0
    while text.count < megabytes * 1_000_000 {
        let pick = Int.random(in: 0..<40, using: &generator)
        if pick >= numberShare {
            text += Array(words.randomElement(using: &generator)!.utf8)
        } else {
            switch pick % 6 {
            case 0: text += Array(String(Int.random(in: 1...99_999, using: &generator)).utf8)
            case 1: text += Array("2026-11-\(Int.random(in: 10...30, using: &generator))T12:34:56Z".utf8)
            case 2: text += Array("+1-416-555-\(Int.random(in: 1000...9999, using: &generator))".utf8)
            case 3: text += Array("ORD-\(Int.random(in: 100_000_000...999_999_999, using: &generator))".utf8)
            case 4: text += Array(String(format: "%.2f", Double.random(in: 1...10_000, using: &generator)).utf8)
            default: text += Array(String(Int.random(in: 1...12, using: &generator)).utf8)
            }
        }
        if Int.random(in: 0..<2_000, using: &generator) == 0 {
            text += Array((" " + cards.randomElement(using: &generator)!).utf8)
            planted += 1
        }
        text.append(Int.random(in: 0..<12, using: &generator) == 0 ? UInt8(ascii: "\n") : UInt8(ascii: " "))
    }
    return (text, planted)
}

@MainActor func measure(_ name: String, numberShare: Int) -> Double {
    let (text, planted) = corpus(numberShare: numberShare)
    let digits = text.reduce(0) { $0 + ($1 &- 0x30 <= 9 ? 1 : 0) }
    var best = Double.infinity
    var found = 0
    for _ in 0..<5 {
        found = 0
        let start = DispatchTime.now().uptimeNanoseconds
        text.withUnsafeBytes { raw in PANDetector.scan(raw) { _, _, _ in found += 1 } }
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    let rate = Double(text.count) / best / 1e9
    print(String(
        format: "%@: %d MB (%.0f%% digits) in %.3f s = %.2f GB/s; %d card numbers planted, %d matches",
        name, text.count / 1_000_000, Double(digits) * 100 / Double(text.count), best, rate, planted, found))
    return rate
}

/// The gateway's per-request tokenization work alone: the benchmark's 2 KiB JSON order with one
/// card rewritten by the one-pass JSON rewriter with a tenant's HMAC tokens. Prints µs per request.
@MainActor func measureRewrite() {
    var items: [String] = []
    for index in 0..<19 {
        items.append(#"{"sku": "SKU-\#(String(format: "%05d", index))", "name": "Widget, blue, large", "qty": \#(index % 7 + 1), "price": "19.99"}"#)
    }
    var text = #"{"order": "SO-2026-000123", "customer": {"name": "Ada Lovelace", "email": "ada@example.com"}, "payment": {"card": {"number": "4111111111111111", "exp": "12/30"}}, "items": [\#(items.joined(separator: ", "))]}"#
    text += String(repeating: " ", count: max(0, 2048 - text.utf8.count))
    let body = Array(text.utf8)
    let withoutCard = Array(text.replacingOccurrences(of: "4111111111111111", with: "card on file").utf8)
    let tokenizer = CardTokenizer(key: SymmetricKey(size: .bits256))
    let rewriter = RequestTokenizer()
    /// The best of five rounds, in µs per call.
    func time(_ work: () -> Int) -> (micros: Double, result: Int) {
        let rounds = 100_000
        var best = Double.infinity
        var result = 0
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<rounds { result &+= work() }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3 / Double(rounds))
        }
        return (best, result / 5 / rounds)
    }
    let full = time { try! rewriter.rewriteBody(body, contentType: "application/json", withContext: false) { tokenizer.token(for: $0.pan) }.tokenized }
    print(String(format: "rewrite of a %d-byte JSON order with one card: %.2f µs per request (%d tokenized)", body.count, full.micros, full.result))
    let scanOnly = time { try! rewriter.rewriteBody(withoutCard, contentType: "application/json", withContext: false) { tokenizer.token(for: $0.pan) }.tokenized }
    print(String(format: "  the same order without a card (scan only):  %.2f µs", scanOnly.micros))
    let encoded = time { (try? EncodedCardData.check(body)) == nil ? 0 : 1 }
    print(String(format: "  of which the base64 and archive check:       %.2f µs", encoded.micros))
    let pan = Array("4111111111111111".utf8)
    let token = time { tokenizer.token(for: pan).utf8.count }
    print(String(format: "  one token (HMAC-SHA-256, Base58):            %.2f µs", token.micros))
}

/// The response masker on 16 KiB chunks of an HTML page full of references and non-ASCII text
/// (`&amp;`, `&#8217;`, accented letters, dashes and no-break spaces between words), no card number in them, then of the same page with a
/// card number spelled in references every 64 KiB, then of a page with numbers in inline elements. Prints MB/s.
@MainActor func measureMasking() {
    var page: [UInt8] = []
    while page.count < 50_000_000 {
        page += Array("<tr><td>Caf\u{E9} &amp; Co&#8217;s order \u{2014} paid&nbsp;in full</td><td>ORD-\(Int.random(in: 100_000...999_999, using: &generator))</td><td>12,50&nbsp;\u{20AC}</td></tr>\n".utf8)
    }
    var spelled = page
    let card = Array("&#52;&#49;&#49;&#49;&nbsp;1111&nbsp;1111&nbsp;1111".utf8)
    for offset in stride(from: 1_000, to: spelled.count - 200, by: 65_536) {
        let line = spelled[offset...].firstIndex(of: UInt8(ascii: "\n"))! + 1
        spelled.insert(contentsOf: card, at: line)
    }
    // A template's page: numbers in inline elements, between tags, joined by dashes, a '+' between digits.
    var inline: [UInt8] = []
    while inline.count < 50_000_000 {
        let order = Int.random(in: 100_000...999_999, using: &generator)
        inline += Array(
            "<tr>\n  <td><span class=\"qty\">\(order % 97)</span> <b>items</b></td>\n  <td><a href=\"/orders/\(order)?sort=date+desc\">\(order)</a></td>\n  <td><i>2026</i>-<i>11</i>-<i>30</i> <!-- due --> <em>\(order % 13)</em></td>\n</tr>\n"
                .utf8)
    }
    for (name, text) in [("entities, no card", page), ("a spelled card every 64 KiB", spelled), ("inline markup around numbers, no card", inline)] {
        var best = Double.infinity
        var masked = 0, copied = 0
        for _ in 0..<3 {
            copied = 0
            var masker = StreamingPANMasker(html: true)  // as the gateway reads a text/html response
            var out = 0
            let start = DispatchTime.now().uptimeNanoseconds
            text.withUnsafeBytes { raw in
                for offset in stride(from: 0, to: raw.count, by: 16_384) {
                    let chunk = UnsafeRawBufferPointer(rebasing: raw[offset..<min(offset + 16_384, raw.count)])
                    if masker.passesUnchanged(chunk) {
                        out += chunk.count
                    } else {
                        out += masker.process(chunk).count
                        copied += 1
                    }
                }
            }
            out += masker.finish().count
            precondition(out == text.count)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            masked = masker.masked
        }
        print(
            String(
                format: "response masking, %@: %.0f MB/s (%d masked; %d of %d chunks copied)", name, Double(text.count) / best / 1e6, masked, copied,
                (text.count + 16_383) / 16_384))
    }
}

if CommandLine.arguments.dropFirst().first == "rewrite" {
    measureRewrite()
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "mask" {
    measureMasking()
    exit(0)
}

let prose = measure("mixed text  ", numberShare: 6)
_ = measure("number-heavy", numberShare: 16)
print(String(format: "detector on mixed text: %.2f GB/s (target 1 GB/s)", prose))
