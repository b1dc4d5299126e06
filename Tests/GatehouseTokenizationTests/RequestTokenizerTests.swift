import Crypto
import Foundation
import GatehouseCompression
import GatehouseCore
import GatehouseTokenization
import Testing

/// Rewriting request bodies, queries and headers of every supported kind.
struct RequestTokenizerTests {
    let tokenizer = CardTokenizer(key: SymmetricKey(size: .bits256))
    var tokenFor: (CardFinding) -> String { { [tokenizer] in tokenizer.token(for: $0.pan) } }

    /// Rewrites with and without card context (the JSON tree and the one-pass rewriter) and checks both
    /// agree: the same bytes, or for JSON the same document (the one-pass rewriter keeps the spacing).
    func rewrite(_ body: String, _ contentType: String?) throws -> (String, RequestTokenizer.Outcome) {
        let kind = BodyKind(contentType: contentType)
        let outcome = try RequestTokenizer().rewriteBody(Array(body.utf8), kind: kind, tokenFor: tokenFor)
        let onePass = try RequestTokenizer().rewriteBody(Array(body.utf8), kind: kind, withContext: false, tokenFor: tokenFor)
        if case .json = kind, let tree = outcome.body, let stream = onePass.body {
            let parsed = try [tree, stream].map { try JSONSerialization.jsonObject(with: Data($0), options: .fragmentsAllowed) as? NSObject }
            #expect(parsed[0] != nil && parsed[0] == parsed[1], "\(String(decoding: stream, as: UTF8.self))")
        } else {
            #expect(onePass.body == outcome.body)
        }
        #expect(onePass.tokenized == outcome.tokenized)
        #expect(onePass.removedSecurityCodes == outcome.removedSecurityCodes)
        return (outcome.body.map { String(decoding: $0, as: UTF8.self) } ?? body, outcome)
    }

    @Test func tokensAreDeterministicPerKeyAndNeverLookLikeCards() {
        let pan = Array("4111111111111111".utf8)
        let token = tokenizer.token(for: pan)
        #expect(token == tokenizer.token(for: pan))
        #expect(token.hasPrefix("tok_") && token.hasSuffix("_1111"))
        #expect(!token.contains("411111"))
        #expect(CardTokenizer(key: SymmetricKey(size: .bits256)).token(for: pan) != token)
        #expect(!PANDetector.containsPAN(token))
        let withBIN = CardTokenizer(key: SymmetricKey(size: .bits256), keepsBIN: true).token(for: pan)
        #expect(withBIN.hasSuffix("_411111_1111") && !PANDetector.containsPAN(withBIN))
    }

    @Test func jsonStringsAndNumbersAtAnyDepth() throws {
        let body = """
            {"order": 1764533460123, "payment": {"card": {"number": "4111 1111 1111 1111", "CVV": "123",
             "exp_month": 12, "exp_year": 2030}, "backup": [5555555555554444, {"note": "use 378282246310005 if needed"}]},
             "security_code": 999, "_CVC2": "555", "Card-Code": "1", "name": "Ada \\u0034111111111111111"}
            """
        let (output, outcome) = try rewrite(body, "application/json; charset=utf-8")
        #expect(outcome.tokenized == 4)
        #expect(outcome.removedSecurityCodes == 4)
        #expect(!PANDetector.containsPAN(output))
        let outsideTokens = output.outsideTokens
        #expect(!outsideTokens.contains("123\"") && !outsideTokens.contains("999") && !outsideTokens.lowercased().contains("cvv"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(json["order"] as? Int == 1764533460123)
        let payment = try #require(json["payment"] as? [String: Any])
        let card = try #require(payment["card"] as? [String: Any])
        #expect(card["number"] as? String == tokenizer.token(for: Array("4111111111111111".utf8)))
        #expect(card["exp_month"] as? Int == 12)
        let backup = try #require(payment["backup"] as? [Any])
        #expect(backup.first as? String == tokenizer.token(for: Array("5555555555554444".utf8)))
        #expect((json["name"] as? String)?.hasPrefix("Ada tok_") == true)
    }

    /// A card number used as a member name (a map keyed by card) is tokenized like any other string,
    /// by both rewriters, at any depth; the rest of the document is unchanged.
    @Test func cardNumbersAsMemberNames() throws {
        let body = #"{"4111111111111111": {"holder": "Ada"}, "cards": {"5555 5555 5555 4444": 1, "x\u0034111111111111111": 2}}"#
        let (output, outcome) = try rewrite(body, "application/json")
        #expect(outcome.tokenized == 3)
        #expect(!PANDetector.containsPAN(output) && !output.contains("5555 5555"), "\(output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let token = tokenizer.token(for: Array("4111111111111111".utf8))
        #expect((json[token] as? [String: Any])?["holder"] as? String == "Ada")
        let cards = try #require(json["cards"] as? [String: Int])
        #expect(cards[tokenizer.token(for: Array("5555555555554444".utf8))] == 1)
        #expect(cards["x" + token] == 2)
    }

    /// Security-code members first, last, alone, in a row, nested, with and without spacing: the one-pass
    /// rewriter removes each with one comma beside it and leaves a valid document equal to the tree's.
    @Test(arguments: [
        #"{"cvv":"123","a":1}"#, #"{"a":1,"cvv":"123"}"#, #"{"cvv":"123"}"#, #"{"cvv":1,"cvc":2}"#,
        #"{"a":1,"cvv":1,"cvc":2,"b":2}"#, #"{"cvv":1,"a":1,"cvc":2}"#, #"{ "cvv" : 1 , "a" : [ {"cvc": {"x": 4111111111111111}} , 2 ] , "csc" : null }"#,
        #"[{"cvv":1},{"a":{"cid":[1,2]},"b":"4111 1111 1111 1111"}]"#, "{\n  \"a\": 1,\n  \"security_code\": \"1\"\n}",
        #"{"card":{"number":4111111111111111,"cvv":"1"},"n":"x"}"#,
    ])
    func jsonSecurityCodesAnywhere(_ body: String) throws {
        let (output, outcome) = try rewrite(body, "application/json")
        #expect(outcome.removedSecurityCodes > 0)
        let onePass = try RequestTokenizer().rewriteBody(Array(body.utf8), kind: .json, withContext: false, tokenFor: tokenFor)
        let text = String(decoding: try #require(onePass.body), as: UTF8.self)
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil, "not valid JSON: \(text)")
        for name in ["cvv", "cvc", "csc", "cid", "security_code"] { #expect(!text.outsideTokens.contains(name) && !output.outsideTokens.contains(name), "\(text)") }
        #expect(!PANDetector.containsPAN(text))
    }

    /// A random document with cards and security codes anywhere, as values and as member names.
    static func randomDocument(using random: inout some RandomNumberGenerator) -> String {
        let names = ["a", "cvv", "number", "CVC2", "note", "security_code", "b", "4111111111111111", "card 5555-5555-5555-4444"]
        let scalars = ["1", "\"x\"", "4111111111111111", "\"5555 5555 5555 4444\"", "null", "true", "\"12/30\"", "-2.5e3", "\"SKU-00001\""]
        func value(_ depth: Int) -> String {
            switch depth > 3 ? 2 : Int.random(in: 0..<4, using: &random) {
            case 0: return "{" + (0..<Int.random(in: 0..<4, using: &random)).map { _ in "\"\(names.randomElement(using: &random)!)\" : \(value(depth + 1))" }.joined(separator: ", ") + "}"
            case 1: return "[" + (0..<Int.random(in: 0..<4, using: &random)).map { _ in value(depth + 1) }.joined(separator: ",") + "]"
            default: return scalars.randomElement(using: &random)!
            }
        }
        return "{" + (0..<Int.random(in: 1..<5, using: &random)).map { _ in "\"\(names.randomElement(using: &random)!)\":\(value(1))" }.joined(separator: ",") + "}"
    }

    /// Random documents with cards and security codes anywhere: both rewriters agree on every one.
    @Test func jsonRewritersAgreeOnRandomDocuments() throws {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let body = Self.randomDocument(using: &random)
            let (output, _) = try rewrite(body, "application/json")
            #expect(!PANDetector.containsPAN(output), "\(body)")
        }
    }

    /// Random documents damaged by one byte (deleted, or a structural byte inserted or swapped in):
    /// both rewriters refuse the same ones, and agree on the rest. A damaged document never reaches
    /// the upstream with a card in it.
    @Test func jsonRewritersAgreeOnDamagedDocuments() throws {
        var random = SystemRandomNumberGenerator()
        let damage = Array("{}[],:\"\\ 0-.etx".utf8)
        for _ in 0..<3000 {
            var bytes = Array(Self.randomDocument(using: &random).utf8)
            let position = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0: bytes.remove(at: position)
            case 1: bytes.insert(damage.randomElement(using: &random)!, at: position)
            default: bytes[position] = damage.randomElement(using: &random)!
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let tree = Result { () throws(RequestTokenizer.Refusal) in try RequestTokenizer().rewriteBody(bytes, kind: .json, tokenFor: tokenFor) }
            let stream = Result { () throws(RequestTokenizer.Refusal) in
                try RequestTokenizer().rewriteBody(bytes, kind: .json, withContext: false, tokenFor: tokenFor)
            }
            switch (tree, stream) {
            case (.failure, .failure):
                continue
            case (.success(let tree), .success(let stream)):
                #expect(tree.tokenized == stream.tokenized && tree.removedSecurityCodes == stream.removedSecurityCodes, "\(text)")
                #expect((tree.body == nil) == (stream.body == nil), "\(text)")
                for body in [tree.body, stream.body].compactMap({ $0 }) {
                    #expect(!PANDetector.containsPAN(String(decoding: body, as: UTF8.self)), "\(text)")
                }
                if tree.body == nil { #expect(!PANDetector.containsPAN(text), "\(text)") }
            default:
                Issue.record("one rewriter refused and the other did not: \(text)")
            }
        }
    }

    /// Security-code names, compared case-insensitively without '_' and '-', and nothing else: not a
    /// name with a NUL after it, not a longer name that starts with one.
    @Test func securityCodeFieldNames() {
        for name in ["cvv", "CVV", "cvc2", "CVV2", "cid", "csc", "security_code", "securityCode", "Security-Code", "card_code", "_cvc_",
                     "payment[card][cvv]", "card[cvc]", "Card.Cvv", "cvv[]", "order[card][security_code][]", "cc_cid", "card_cvv", "cvv_code",
                     "cvv[0]", "card[cvv][0][value]", "payment[cid]", "card[cid]"] {
            #expect(CardFieldNames.isSecurityCode(name), "\(name)")
        }
        for name in ["cvv\u{0}", "cvv\u{0}\u{0}", "cvvs", "cv", "card", "code", "exp", "expirationmonth", "securitycodes", "x_cvv",
                     "securitycode_securitycode", "card[cvv].note", "cvv[0][x]", "card[number]", "payment.cvv_hint", "parent_cid",
                     "attachments[0][cid]", "customer[cid]", "x.cid"] {
            #expect(!CardFieldNames.isSecurityCode(name), "\(name)")
        }
    }

    @Test func jsonWithoutCardsIsForwardedByteForByte() throws {
        let body = "{ \"a\" : [1, 2.5e3, true, null],\n \"b\": \"1764533460123\" }"
        let (output, outcome) = try rewrite(body, "application/json")
        #expect(outcome.body == nil && output == body)
    }

    @Test(arguments: [true, false])
    func malformedJSONHoldingACardIsRefused(withContext: Bool) throws {
        for malformed in ["{\"card\": \"4111111111111111\"", "{\"card\": 4111111111111111,}", "[4111111111111111 1]", "{\"cvv\":}"] {
            let body = Array((malformed + " 5555555555554444").utf8)
            #expect(throws: RequestTokenizer.Refusal.unparseable(kind: "JSON"), "\(malformed)") {
                try RequestTokenizer().rewriteBody(body, kind: .json, withContext: withContext, tokenFor: tokenFor)
            }
        }
        // Malformed, and what a lenient parser would read as card data: a security-code field, a card
        // number in escapes. Refused too, since the rewriter cannot remove them.
        for malformed in [#"{"cvv":"123",}"#, #"{"Security_Code": 1"#, #"{"card":"\u0034111111111111111",}"#, #"{"n":"\u00341"]"#] {
            #expect(throws: RequestTokenizer.Refusal.unparseable(kind: "JSON"), "\(malformed)") {
                try RequestTokenizer().rewriteBody(Array(malformed.utf8), kind: .json, withContext: withContext, tokenFor: tokenFor)
            }
        }
        // Malformed but card-free: forwarded as it is (the application answers it).
        for harmless in ["{oops", #"{"note":"we decided: cvv is not here",}"#, #"{"a":"\u0041",}"#] {
            let outcome = try RequestTokenizer().rewriteBody(Array(harmless.utf8), kind: .json, withContext: withContext, tokenFor: tokenFor)
            #expect(outcome.body == nil, "\(harmless)")
        }
        var deep = String(repeating: "[", count: 200) + "\"4111111111111111\"" + String(repeating: "]", count: 200)
        #expect(throws: RequestTokenizer.Refusal.self) {
            try RequestTokenizer().rewriteBody(Array(deep.utf8), kind: .json, withContext: withContext, tokenFor: tokenFor)
        }
        deep = ""
    }

    @Test func formsDecodePlusAndPercent() throws {
        let (output, outcome) = try rewrite(
            "name=Ada+Lovelace&card=4111+1111+1111+1111&cvc=123&exp=12%2F30&alt=%34%31%31%31111111111111", "application/x-www-form-urlencoded")
        #expect(outcome.tokenized == 2 && outcome.removedSecurityCodes == 1)
        #expect(output.hasPrefix("name=Ada+Lovelace&card=tok_"))
        #expect(output.contains("&exp=12%2F30&alt=tok_") && !output.outsideTokens.contains("cvc"))
        #expect(!PANDetector.containsPAN(output))
        // Nested names as Rails and PHP send them, and ';' as a separator: each pair keeps its own.
        let (nested, nestedOutcome) = try rewrite(
            "order[id]=7;card[number]=5555555555554444&card[cvv]=321;card[exp]=12%2F30", "application/x-www-form-urlencoded")
        #expect(nestedOutcome.tokenized == 1 && nestedOutcome.removedSecurityCodes == 1)
        #expect(nested.hasPrefix("order[id]=7;card[number]=tok_") && nested.hasSuffix("_4444;card[exp]=12%2F30"), "\(nested)")
        #expect(!nested.outsideTokens.contains("321"))
    }

    @Test func queryStringsAndHeaders() {
        let (query, count, removed) = RequestTokenizer().rewriteQuery("q=x&pan=4111-1111-1111-1111&cvv=123", tokenFor: tokenFor)
        #expect(count == 1 && removed == 1)
        #expect(query?.hasPrefix("q=x&pan=tok_") == true && query?.outsideTokens.contains("cvv") == false)
        #expect(RequestTokenizer().rewriteQuery("page=2&sort=name", tokenFor: tokenFor).query == nil)
        #expect(RequestTokenizer().rewriteHeaderValue("card 4111111111111111", tokenFor: tokenFor)?.hasPrefix("card tok_") == true)
        #expect(RequestTokenizer().rewriteHeaderValue("text/html", tokenFor: tokenFor) == nil)
    }

    /// Paths: a card number in a segment, as digits or percent escapes, becomes its token (masked, for
    /// records); every other segment stays byte for byte, escapes and '+' included.
    @Test func pathSegments() {
        let rewritten = RequestTokenizer().rewritePath("/a+b/%2F/4111-1111-1111-1111/x%20y/%34111111111111111", tokenFor: tokenFor)
        let token = tokenizer.token(for: Array("4111111111111111".utf8))
        #expect(rewritten.path == "/a+b/%2F/\(token)/x%20y/\(token)")
        #expect(rewritten.tokenized == 2)
        #expect(RequestTokenizer().rewritePath("/orders/1764533460123/items", tokenFor: tokenFor).path == nil)
        // A rewritten segment keeps its sub-delimiters (matrix parameters).
        #expect(RequestTokenizer().rewritePath("/a;v=1/4111111111111111;v=2,x@y", tokenFor: tokenFor).path == "/a;v=1/\(token);v=2,x@y")
        #expect(RequestTokenizer().maskPath("/c/5555555555554444/%34111111111111111") == "/c/555555******4444/411111******1111")
        #expect(RequestTokenizer().maskPath("/orders/17645334601230") == nil)
    }

    @Test func multipartTextAndFileParts() throws {
        let boundary = "----gatehouse7MA4YWxk"
        let body = [
            "--\(boundary)", "Content-Disposition: form-data; name=\"card\"", "", "4111111111111111",
            "--\(boundary)", "Content-Disposition: form-data; name=\"cvv\"", "", "123",
            "--\(boundary)", "Content-Disposition: form-data; name=\"file\"; filename=\"a.csv\"", "Content-Type: text/csv", "",
            "id,card\n1,5555555555554444\n",
            // An XML part by the XML rules, a text part's inline code as in a text body.
            "--\(boundary)", "Content-Disposition: form-data; name=\"order\"", "Content-Type: application/xml", "",
            "<pay><cvc>456</cvc><n>1</n></pay>",
            "--\(boundary)", "Content-Disposition: form-data; name=\"note\"", "", "CVV: 789",
            "--\(boundary)--", "",
        ].joined(separator: "\r\n")
        let (output, outcome) = try rewrite(body, "multipart/form-data; boundary=\"\(boundary)\"")
        #expect(outcome.tokenized == 2 && outcome.removedSecurityCodes == 3, "\(output)")
        #expect(output.contains("<pay><n>1</n></pay>") && !output.outsideTokens.contains("456") && !output.outsideTokens.contains("789"), "\(output)")
        #expect(!PANDetector.containsPAN(output) && !output.contains("name=\"cvv\""))
        #expect(output.contains("filename=\"a.csv\"") && output.hasSuffix("--\(boundary)--\r\n"))
        // Named as base64 without being base64: refused, not guessed at.
        let encoded = body.replacingOccurrences(of: "Content-Type: text/csv", with: "Content-Transfer-Encoding: base64")
        #expect(throws: RequestTokenizer.Refusal.unreadable(encoding: "base64 that does not decode")) {
            try RequestTokenizer().rewriteBody(Array(encoded.utf8), kind: BodyKind(contentType: "multipart/form-data; boundary=\(boundary)"), tokenFor: tokenFor)
        }
    }

    /// Parts in base64 or quoted-printable (older MIME libraries) are read decoded and written back
    /// in their coding: a card number split by a line break or a soft break becomes its token, a JSON
    /// part's security code goes; a clean binary part goes on as sent.
    @Test func multipartPartsInTransferEncodings() throws {
        let boundary = "b0undary"
        let kind = BodyKind(contentType: "multipart/form-data; boundary=\(boundary)")
        let csv = String(repeating: "x", count: 30) + "\r\nid,card\r\n1,5555555555554444\r\n"
        let base64 = Data(csv.utf8).base64EncodedString(options: .lineLength76Characters)
        #expect(base64.contains("\r\n"))  // the card number straddles a line
        let json = Data(#"{"card":{"number":"4111111111111111","cvv":"123"},"qty":1}"#.utf8).base64EncodedString()
        let quoted = "1,55555555=\r\n55554444 caf=C3=A9 =3D"
        var binary = (0..<600).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }
        binary[0] = 0x89
        let blob = Data(binary).base64EncodedString(options: .lineLength76Characters)
        func part(_ name: String, _ headers: String, _ content: String) -> String {
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\(headers)\r\n\r\n\(content)\r\n"
        }
        let body = part("file", "Content-Type: text/csv\r\nContent-Transfer-Encoding: base64", base64)
            + part("order", "Content-Type: application/json\r\nContent-Transfer-Encoding: BASE64", json)
            + part("note", "Content-Transfer-Encoding: quoted-printable", quoted)
            + part("scan", "Content-Type: image/png\r\nContent-Transfer-Encoding: base64", blob) + "--\(boundary)--\r\n"
        let outcome = try RequestTokenizer().rewriteBody(Array(body.utf8), kind: kind, withContext: false, tokenFor: tokenFor)
        let output = String(decoding: try #require(outcome.body), as: UTF8.self)
        #expect(outcome.tokenized == 3 && outcome.removedSecurityCodes == 1, "\(output)")
        // Each part as the upstream's MIME parser reads it.
        let parts = output.components(separatedBy: "--\(boundary)").dropFirst().dropLast().map { piece in
            let split = piece.components(separatedBy: "\r\n\r\n")
            // (The CRLF before the next delimiter is one Character.)
            return (headers: split[0], content: String(split.dropFirst().joined(separator: "\r\n\r\n").dropLast()))
        }
        #expect(parts.count == 4)
        let file = String(decoding: try #require(Data(base64Encoded: parts[0].content, options: .ignoreUnknownCharacters)), as: UTF8.self)
        #expect(file.hasPrefix(String(repeating: "x", count: 30)) && file.contains("1,tok_") && !PANDetector.containsPAN(file), "\(file)")
        #expect(parts[0].content.split(separator: "\r\n").allSatisfy { $0.count <= 76 })
        let order = String(decoding: try #require(Data(base64Encoded: parts[1].content, options: .ignoreUnknownCharacters)), as: UTF8.self)
        #expect(order.contains("\"number\":\"tok_") && !order.contains("cvv") && order.contains("\"qty\":1"), "\(order)")
        #expect(parts[2].content.contains("1,tok_") && parts[2].content.contains("caf=C3=A9 =3D") && !PANDetector.containsPAN(parts[2].content))
        #expect(parts[3].content == blob)
        // Clean parts in transfer encodings: nothing to change, the body goes on as sent.
        let clean = part("scan", "Content-Transfer-Encoding: base64", blob) + part("note", "Content-Transfer-Encoding: quoted-printable", "caf=C3=A9=\r\n ok")
            + "--\(boundary)--\r\n"
        #expect(try RequestTokenizer().rewriteBody(Array(clean.utf8), kind: kind, tokenFor: tokenFor).body == nil)
        // Not valid in the coding it names: refused, saying so.
        for (coding, content) in [("base64", "QUJD=QUJD"), ("base64", "QUJ"), ("base64", "QU*D"), ("quoted-printable", "a=4"), ("quoted-printable", "a=XY b")] {
            let damaged = part("a", "Content-Transfer-Encoding: \(coding)", content) + "--\(boundary)--\r\n"
            #expect(throws: RequestTokenizer.Refusal.unreadable(encoding: "\(coding) that does not decode"), "\(coding) \(content)") {
                try RequestTokenizer().rewriteBody(Array(damaged.utf8), kind: kind, tokenFor: tokenFor)
            }
        }
        #expect(RequestTokenizer.Refusal.unreadable(encoding: "x-uuencode").description.contains("send the part unencoded"))
    }

    /// A part in a transfer encoding is read as every parser may read it: as sent (most form parsers
    /// ignore the coding), decoded (with what it hides inside checked as the whole body is), and with
    /// its headers ended as a lenient parser ends them. What one reading would let through is refused.
    @Test func transferEncodedPartsHideNothing() throws {
        let boundary = "b0undary"
        let type = "multipart/form-data; boundary=\(boundary)"
        func body(_ headers: String, _ content: String) -> [UInt8] {
            Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"a\"\r\n\(headers)\r\n\r\n\(content)\r\n--\(boundary)--\r\n".utf8)
        }
        func refusal(_ bytes: [UInt8], _ contentType: String = type) -> CardRefusal? {
            do {
                _ = try RequestTokenizer().rewriteBody(bytes, contentType: contentType, withContext: false, tokenFor: tokenFor)
                return nil
            } catch {
                return error
            }
        }
        let base64 = "Content-Transfer-Encoding: base64", quoted = "Content-Transfer-Encoding: quoted-printable"
        // A card number as sent: valid base64 (noise decoded), or behind a QP escape.
        #expect(refusal(body(base64, "4111111111111111")) == .unparseable(kind: "multipart"))
        #expect(refusal(body(quoted, "=4111111111111111")) == .unparseable(kind: "multipart"))
        // Base64 text with a card number inside a QP part, cut by a soft break or spelled in escapes.
        let inner = Data("order 1234, card 4111111111111111, exp 12/29".utf8).base64EncodedString()
        let cut = inner.index(inner.startIndex, offsetBy: 30)
        #expect(refusal(body(quoted, inner[..<cut] + "=\r\n" + inner[cut...])) == .encodedCardNumber(encoding: "base64"))
        #expect(refusal(body(quoted, inner.utf8.map { String(format: "=%02X", $0) }.joined())) == .encodedCardNumber(encoding: "base64"))
        // gzip inside a QP part; character references and other digits inside base64 parts.
        var gzip: [UInt8] = []
        let deflater = try StreamingDeflater(format: .gzip)
        try Array("A,4111111111111111\n".utf8).withUnsafeBytes { try deflater.feed($0) { gzip += $0 } }
        try deflater.finish { gzip += $0 }
        let escaped = gzip.map { byte in (33...126).contains(byte) && byte != 61 ? String(UnicodeScalar(byte)) : String(format: "=%02X", byte) }.joined()
        #expect(refusal(body(quoted, escaped)) == .encodedCardNumber(encoding: "gzip"))
        let references = Data(#"{"note":"&#52;111111111111111"}"#.utf8).base64EncodedString()
        #expect(refusal(body(base64 + "\r\nContent-Type: application/json", references)) == .characterReferences)
        let wide = Data("4111111111111111 and ５５５５５５５５５５５５４４４４".utf8).base64EncodedString()
        #expect(refusal(body(base64 + "\r\nContent-Type: text/plain", wide)) == .nonASCIIDigits)
        // A QP soft break with a space before its line end (Python keeps `=\t` as text).
        #expect(refusal(body(quoted, "=34=3111111111111111=\t\r\n0000")) == .unreadable(encoding: "quoted-printable that does not decode"))
        // Headers ended by a bare-LF empty line, where a lenient parser starts the content.
        let lenient = body(quoted + "\r\n\n=34=31=31=31=31=31=31=31=31=31=31=31=31=31=31=31", "x")
        #expect(refusal(lenient) == .unparseable(kind: "multipart"))
        // A multipart body declared UTF-16 but written in ASCII: read as its bytes too.
        let utf16 = type + "; charset=utf-16"
        #expect(refusal(body("X-A: 1", "NDExMTExMTExMTExMTExMQ=="), utf16) == .encodedCardNumber(encoding: "base64"))
        #expect(refusal(body("X-A: 1", "card 4111111111111111 "), utf16) == .unreadableCharset("UTF-16"))
        // Clean parts in both codings still go on.
        #expect(refusal(body(base64, Data("hello, world".utf8).base64EncodedString())) == nil)
        #expect(refusal(body(quoted, "caf=C3=A9=\r\n ok")) == nil)
    }

    /// What a multipart body carries besides text fields: a card number as a file name, a JSON part with a
    /// security code, a card in the preamble or after the closing delimiter; transfer encodings however
    /// spelled; and a damaged body that names a transfer encoding.
    @Test func multipartHeadersJSONPartsAndEdges() throws {
        let boundary = "b0undary"
        let kind = BodyKind(contentType: "multipart/form-data; boundary=\(boundary)")
        let body = [
            "preamble 4111 1111 1111 1111",
            "--\(boundary)", "Content-Disposition: form-data; name=\"scan\"; filename=\"card 5555555555554444.pdf\"", "", "%PDF",
            "--\(boundary)", "Content-Disposition: form-data; name=\"order\"", "Content-Type: application/json", "",
            #"{"card":{"number":"378282246310005","cvv":"1234"},"qty":1}"#,
            "--\(boundary)--", "epilogue 6011111111111117",
        ].joined(separator: "\r\n")
        let outcome = try RequestTokenizer().rewriteBody(Array(body.utf8), kind: kind, withContext: false, tokenFor: tokenFor)
        let output = String(decoding: try #require(outcome.body), as: UTF8.self)
        #expect(outcome.tokenized == 3 && outcome.removedSecurityCodes == 1, "\(output)")
        #expect(!PANDetector.containsPAN(output) && !output.outsideTokens.contains("1234") && !output.contains("epilogue"), "\(output)")
        #expect(output.contains("filename=\"card tok_") && output.contains("\"qty\":1"))
        // Only the epilogue holds a card: the body is still rewritten (without it).
        let tail = "--\(boundary)\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--\(boundary)--\r\n4111111111111111"
        let trimmed = try RequestTokenizer().rewriteBody(Array(tail.utf8), kind: kind, withContext: false, tokenFor: tokenFor)
        #expect(trimmed.body.map { String(decoding: $0, as: UTF8.self) } == "--\(boundary)\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--\(boundary)--\r\n")
        // However spelled, a transfer encoding is read: a card number in base64 (`NDEx…` is 4111…) or
        // quoted-printable becomes its token; one the gateway cannot decode is refused.
        for header in ["Content-Transfer-Encoding:base64", "content-transfer-encoding:\tQuoted-Printable", "Content-Transfer-Encoding: x-uuencode"] {
            let content = header.hasSuffix("base64") ? "NDExMTExMTExMTExMTExMQ==" : "4111111111=\r\n111111"
            let encoded = "--\(boundary)\r\n\(header)\r\n\r\n\(content)\r\n--\(boundary)--\r\n"
            if header.hasSuffix("uuencode") {
                #expect(throws: RequestTokenizer.Refusal.unreadable(encoding: "x-uuencode")) {
                    try RequestTokenizer().rewriteBody(Array(encoded.utf8), kind: kind, tokenFor: tokenFor)
                }
            } else {
                let rewritten = try RequestTokenizer().rewriteBody(Array(encoded.utf8), kind: kind, tokenFor: tokenFor)
                #expect(rewritten.tokenized == 1, "\(header)")
            }
        }
        // Two encodings named (the second one counts for some parsers): refused.
        let twice = "--\(boundary)\r\nContent-Transfer-Encoding: 8bit\r\nContent-Transfer-Encoding: base64\r\n\r\nNDExMQ==\r\n--\(boundary)--\r\n"
        #expect(throws: RequestTokenizer.Refusal.unreadable(encoding: "base64")) {
            try RequestTokenizer().rewriteBody(Array(twice.utf8), kind: kind, tokenFor: tokenFor)
        }
        // Header lines ending in a bare LF: the encoding is still read.
        let bareLF = "--\(boundary)\r\nX-A: 1\nContent-Transfer-Encoding: base64\r\n\r\nNDExMTExMTExMTExMTExMQ==\r\n--\(boundary)--\r\n"
        #expect(try RequestTokenizer().rewriteBody(Array(bareLF.utf8), kind: kind, tokenFor: tokenFor).tokenized == 1)
        // A JSON part sent without a type is read as JSON.
        let untyped = "--\(boundary)\r\nContent-Disposition: form-data; name=\"p\"\r\n\r\n{\"cvv\":\"321\",\"n\":1}\r\n--\(boundary)--\r\n"
        let sniffed = try RequestTokenizer().rewriteBody(Array(untyped.utf8), kind: kind, withContext: false, tokenFor: tokenFor)
        #expect(sniffed.removedSecurityCodes == 1 && sniffed.body.map { String(decoding: $0, as: UTF8.self).contains("{\"n\":1}") } == true)
        // Damaged (no closing delimiter, LF line ends) and naming a transfer encoding: refused, not forwarded unread.
        let damaged = "--\(boundary)\nContent-Transfer-Encoding: base64\n\nNDExMTExMTExMTExMTExMQ==\n"
        #expect(throws: RequestTokenizer.Refusal.unparseable(kind: "multipart")) {
            try RequestTokenizer().rewriteBody(Array(damaged.utf8), kind: kind, tokenFor: tokenFor)
        }
    }

    /// A part named as a security code in the RFC 2231 spellings Go's and Python's parsers read
    /// (`name*=UTF-8''cvv`, continuations), or with a ';' inside its quoted name, is dropped like one
    /// named plainly; a part whose names all say something else stays.
    @Test func multipartNamesHoweverSpelled() throws {
        let boundary = "b0undary"
        let kind = BodyKind(contentType: "multipart/form-data; boundary=\(boundary)")
        for disposition in [
            "form-data; name*=UTF-8''cvv", "form-data; name*=utf-8'en'c%76v", #"form-data; name="note"; name*=UTF-8''card%5Bcvc%5D"#, #"form-data; name*00="cv"; name*01="v""#,
            #"form-data; name*0="card_"; name*1="cvv""#, "form-data; name*0*=UTF-8''security%5F; name*1*=code",
            #"form-data; name*1="v"; name*0="cv""#, #"form-data; name="x;y"; name=cvv"#, #"form-data; name="c\vv""#,
            #"FORM-DATA ; NAME = "CVC2""#,
            // As Werkzeug reads them: any number of digits, pieces in the order they came, after a plain name.
            #"form-data; name*0000="cvv""#, #"form-data; name*1="cv"; name*0="v""#, #"form-data; name="c"; name*1="vv""#,
            // A folded header line (joined by Werkzeug and Go).
            "form-data;\r\n name=\"cvv\"",
        ] {
            let body = "--\(boundary)\r\nContent-Disposition: \(disposition)\r\n\r\n0427\r\n--\(boundary)\r\n"
                + "Content-Disposition: form-data; name=\"qty\"\r\n\r\n2\r\n--\(boundary)--\r\n"
            let outcome = try RequestTokenizer().rewriteBody(Array(body.utf8), kind: kind, withContext: false, tokenFor: tokenFor)
            let output = String(decoding: try #require(outcome.body, "\(disposition)"), as: UTF8.self)
            #expect(outcome.removedSecurityCodes == 1 && !output.contains("0427") && output.contains("name=\"qty\""), "\(disposition) → \(output)")
        }
        for disposition in [
            "form-data; name*=UTF-8''note", #"form-data; name="cvv_hint_text""#, "form-data; filename*=UTF-8''cvv",
        ] {
            let body = "--\(boundary)\r\nContent-Disposition: \(disposition)\r\n\r\n0427\r\n--\(boundary)--\r\n"
            let outcome = try RequestTokenizer().rewriteBody(Array(body.utf8), kind: kind, withContext: false, tokenFor: tokenFor)
            #expect(outcome.body == nil && outcome.removedSecurityCodes == 0, "\(disposition)")
        }
    }

    /// A security code in a header field of its own or in a cookie: such fields and cookies are not
    /// forwarded. `CID` alone is a correlation or customer ID in many APIs and stays.
    @Test func securityCodesInFieldsAndCookies() {
        let cards = RequestTokenizer()
        for name in ["CVV", "cvc2", "X-CVV", "x_card_cvc", "X-Card-Security-Code", "Security-Code", "Card-Code", "X-CC-CID"] {
            #expect(cards.isSecurityCodeField(name), "\(name)")
        }
        for name in ["CVV-Number", "X-CVV-Code", "X-Card-CVC-Number", "X-CCCID", "Card_Cid", "X-Payment-CID"] {
            #expect(cards.isSecurityCodeField(name), "\(name)")
        }
        for name in ["X-Cid", "CID", "Content-Type", "X-Request-Id", "Cvv-Hint", "X-", "Accept", "X-Acct-CID", "X-Account-Cid", "X-Payload-Cid"] {
            #expect(!cards.isSecurityCodeField(name), "\(name)")
        }
        #expect(cards.removingSecurityCodeCookies("a=1; cvv=123; b=2")! == ("a=1; b=2", 1))
        #expect(cards.removingSecurityCodeCookies("c%76v=123;CVC2 =4;card_code=5")! == ("", 3))
        #expect(cards.removingSecurityCodeCookies(" cid=9; session=abc; cvv") == nil)  // a nameless cookie's value
        #expect(cards.removingSecurityCodeCookies("a=cvv; b=1") == nil)
        // PHP reads '+' in a cookie name as a space and trims it: `+cvv` and `%20cvv` are `cvv` there.
        #expect(cards.removingSecurityCodeCookies("+cvv=1; %20cvc2 =2; s=3")! == ("s=3", 2))
        #expect(cards.removingSecurityCodeCookies("_cid=5; c-id=6; CID=7") == nil)
    }

    /// JSON sent as text, without a type, or as JSON lines is read as JSON (security codes go too);
    /// JSON-looking text that does not parse but names a security code is refused.
    @Test func jsonWhateverItsType() throws {
        let document = #"{"card":{"number":"4111111111111111","cvv":"321"},"qty":2}"#
        for contentType in ["text/plain", nil, "application/x-ndjson"] as [String?] {
            let outcome = try RequestTokenizer().rewriteBody(Array(document.utf8), contentType: contentType, withContext: false, tokenFor: tokenFor)
            let output = String(decoding: try #require(outcome.body), as: UTF8.self)
            #expect(outcome.tokenized == 1 && outcome.removedSecurityCodes == 1, "\(contentType ?? "none")")
            #expect(!output.outsideTokens.contains("cvv") && (try? JSONSerialization.jsonObject(with: Data(output.utf8))) != nil, "\(output)")
        }
        let lines = document + "\n" + #"{"note":"no card"}"# + "\r\n\n" + #"[5555555555554444, {"CVC":1}]"# + "\n"
        let outcome = try RequestTokenizer().rewriteBody(Array(lines.utf8), contentType: "application/x-ndjson", withContext: true, tokenFor: tokenFor)
        let output = String(decoding: try #require(outcome.body), as: UTF8.self)
        #expect(outcome.tokenized == 2 && outcome.removedSecurityCodes == 2, "\(output)")
        #expect(output.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).count == 5 && output.contains(#"{"note":"no card"}"# + "\r\n"))
        #expect(!PANDetector.containsPAN(output) && !output.lowercased().contains("cvc\""))
        #expect(throws: RequestTokenizer.Refusal.unparseable(kind: "JSON")) {
            try RequestTokenizer().rewriteBody(Array(#"{"cvv": "321",}"#.utf8), contentType: "text/plain", withContext: false, tokenFor: tokenFor)
        }
        // Text that merely starts with a brace is still scanned as text.
        let prose = try RequestTokenizer().rewriteBody(Array("{draft} charge 4111 1111 1111 1111".utf8), contentType: "text/plain", withContext: false, tokenFor: tokenFor)
        #expect(prose.tokenized == 1)
    }

    /// A JSON document passed on inside a string (a webhook payload kept as text) is read as JSON too.
    @Test func jsonInsideAString() throws {
        let inner = #"{"card":{"number":"4111111111111111","cvv":"321"}}"#
        let body = "{\"event\":\"paid\",\"payload\":" + String(decoding: try JSONSerialization.data(withJSONObject: inner, options: .fragmentsAllowed), as: UTF8.self) + "}"
        let (output, outcome) = try rewrite(body, "application/json")
        #expect(outcome.tokenized == 1 && outcome.removedSecurityCodes == 1, "\(output)")
        let payload = try #require((try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])?["payload"] as? String)
        let card = try #require((try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: [String: String]])?["card"])
        #expect(card == ["number": tokenizer.token(for: Array("4111111111111111".utf8))])
        // Nested a few levels deep it is read at every level; deeper than eight, the request is refused
        // (each level is a recursive read), whatever carries it.
        func nested(_ levels: Int) throws -> String {
            var text = inner
            for _ in 0..<levels {
                text = String(decoding: try JSONSerialization.data(withJSONObject: ["payload": [[[text]]]]), as: UTF8.self)
            }
            return text
        }
        let (three, threeOutcome) = try rewrite(try nested(3), "application/json")
        #expect(threeOutcome.tokenized == 1 && threeOutcome.removedSecurityCodes == 1 && !three.outsideTokens.contains("cvv"), "\(three)")
        let deep = try nested(12)
        for contentType in ["application/json", "text/plain", nil] as [String?] {
            #expect(throws: RequestTokenizer.Refusal.unparseable(kind: "JSON"), "\(contentType ?? "none")") {
                try RequestTokenizer().rewriteBody(Array(deep.utf8), contentType: contentType, withContext: false, tokenFor: tokenFor)
            }
        }
        #expect(throws: RequestTokenizer.Refusal.unparseable(kind: "form")) {
            try RequestTokenizer().rewriteBody(
                Array("p=\(deep.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)".utf8), contentType: "application/x-www-form-urlencoded",
                withContext: false, tokenFor: tokenFor)
        }
        let part = "--b\r\nContent-Disposition: form-data; name=\"p\"\r\nContent-Type: application/json\r\n\r\n\(deep)\r\n--b--\r\n"
        #expect(throws: RequestTokenizer.Refusal.unparseable(kind: "multipart")) {
            try RequestTokenizer().rewriteBody(Array(part.utf8), contentType: "multipart/form-data; boundary=b", withContext: false, tokenFor: tokenFor)
        }
        // The same document as a form value or a query parameter (a webhook's `payload=`, a `filter=`).
        let encoded = inner.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let (form, formOutcome) = try rewrite("event=paid&payload=\(encoded)&n=1", "application/x-www-form-urlencoded")
        #expect(formOutcome.tokenized == 1 && formOutcome.removedSecurityCodes == 1, "\(form)")
        let value = try #require(URLComponents(string: "/?" + form)?.queryItems?.first { $0.name == "payload" }?.value)
        #expect(value == #"{"card":{"number":"\#(tokenizer.token(for: Array("4111111111111111".utf8)))"}}"# && form.hasSuffix("&n=1"), "\(value)")
        let query = RequestTokenizer().rewriteQuery("filter=\(#"{"cvv":"321","status":"open"}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"[...], tokenFor: tokenFor)
        #expect(query.removed == 1 && query.query.flatMap { URLComponents(string: "/?" + $0)?.queryItems?.first?.value } == #"{"status":"open"}"#)
        // A JSON value that does not parse but holds what only JSON would remove is dropped (lenient
        // parsers read `NaN`); a JSON value without a card keeps its spacing after an earlier token.
        let (broken, brokenOutcome) = try rewrite("a=1&payload=%7B%22cvv%22%3A%22123%22%2C%22n%22%3ANaN%7D&b=2", "application/x-www-form-urlencoded")
        #expect(broken == "a=1&b=2" && brokenOutcome.removedSecurityCodes == 1, "\(broken)")
        let spaced = "card=4111111111111111&meta=%7B%20%22n%22%20%3A%201%20%7D"
        let (kept, _) = try rewrite(spaced, "application/x-www-form-urlencoded")
        #expect(kept.hasPrefix("card=tok_") && kept.hasSuffix("&meta=%7B%20%22n%22%20%3A%201%20%7D"), "\(kept)")
        // A value that only starts like JSON is read as text.
        let (text, textOutcome) = try rewrite("note=%7Bcvv+321&a=1", "application/x-www-form-urlencoded")
        #expect(textOutcome.body == nil && textOutcome.removedSecurityCodes == 0, "\(text)")
    }

    /// UTF-16 and UTF-32 text is refused: declared, marked by a byte-order mark, or holding a card number
    /// in wide characters. Binary data with NUL bytes and no wide card number passes.
    @Test func wideTextIsRefused() throws {
        let json = #"{"card":"4111111111111111","cvv":"123"}"#
        let bodies: [(String, [UInt8], String?)] = [
            // No card number, but a security code, in UTF-16 without a byte-order mark (RFC 4627 detection).
            ("UTF-16", Array(#"{"cvv":"123"}"#.data(using: .utf16LittleEndian)!), "application/json"),
            ("UTF-16", [0xFF, 0xFE] + Array(json.data(using: .utf16LittleEndian)!), "application/json"),
            ("UTF-16BE", Array(json.data(using: .utf16BigEndian)!), "application/json; charset=UTF-16BE"),
            ("UTF-16", Array(json.data(using: .utf16LittleEndian)!), "application/json"),
            ("UTF-16", [0x00, 0x07] + Array(json.data(using: .utf16BigEndian)!), "text/plain"),
            ("UTF-32", Array(json.data(using: .utf32LittleEndian)!), nil),
        ]
        for (charset, body, contentType) in bodies {
            #expect(throws: RequestTokenizer.Refusal.unreadableCharset(charset), "\(contentType ?? "none")") {
                try RequestTokenizer().rewriteBody(body, contentType: contentType, withContext: false, tokenFor: tokenFor)
            }
        }
        // Wide text without card data goes on as it came (an Excel "Unicode text" export, say).
        for (body, contentType) in [
            ([0xFF, 0xFE] + Array("sku\tqty\nW-1\t2\n".data(using: .utf16LittleEndian)!), "text/csv"),
            (Array("{\"note\":\"café\"}".data(using: .utf16BigEndian)!), "application/json; charset=utf-16"),
        ] as [([UInt8], String)] {
            let outcome = try RequestTokenizer().rewriteBody(body, contentType: contentType, withContext: false, tokenFor: tokenFor)
            #expect(outcome.body == nil && outcome.tokenized == 0, "\(contentType)")
        }
        #expect(throws: RequestTokenizer.Refusal.unreadableCharset("UTF-16")) {
            try RequestTokenizer().rewriteBody(
                [0xFF, 0xFE] + Array("name=Ada&cvv=123".data(using: .utf16LittleEndian)!), contentType: "application/x-www-form-urlencoded",
                withContext: false, tokenFor: tokenFor)
        }
        let binary: [UInt8] = [0x00, 0x01, 0x34, 0x00, 0x31, 0x00, 0xFF, 0x00] + Array("id 7".utf8) + [0x00]
        #expect((try? RequestTokenizer().rewriteBody(binary, contentType: "application/octet-stream", withContext: false, tokenFor: tokenFor)) != nil)
    }

    /// A card number in full-width, Arabic-Indic or Devanagari digits, or spaced with no-break spaces, is
    /// tokenized as an application would read it (in ASCII digits); one the rewriters cannot place is
    /// refused. Other non-ASCII text passes.
    @Test func cardNumbersInOtherDigits() throws {
        for text in ["４１１１１１１１１１１１１１１１", "٤١١١١١١١١١١١١١١١", "४१११११११११११११११", "4111\u{00A0}1111\u{00A0}1111\u{00A0}1111",
                     "{\"card\":\"5555\u{202F}5555\u{202F}5555\u{202F}4444\"}",
                     // Invisible characters between digits: zero-width space, soft hyphen, word joiner.
                     "4111\u{200B}1111\u{200B}1111\u{200B}1111", "4\u{00AD}111111111111111", "{\"card\":\"4111\u{2060}111111111111\"}",
                     // Dashes of other kinds and direction marks between groups.
                     "4111\u{2013}1111\u{2013}1111\u{2013}1111", "{\"card\":\"4111\u{2212}1111\u{2212}1111\u{2212}1111\"}",
                     "４１１１－１１１１－１１１１－１１１１", "4111\u{200E}1111\u{200F}1111\u{200E}1111"] {
            let outcome = try RequestTokenizer().rewriteBody(Array(text.utf8), contentType: "text/plain", withContext: false, tokenFor: tokenFor)
            let output = try #require(outcome.body)
            #expect(outcome.tokenized == 1 && output.allSatisfy { $0 < 0x80 } && String(decoding: output, as: UTF8.self).contains("tok_"), "\(text)")
        }
        // JSON that starts with a UTF-8 byte-order mark is read as JSON (its security code goes) and keeps the mark.
        let marked = try RequestTokenizer().rewriteBody(
            [0xEF, 0xBB, 0xBF] + Array(#"{"card":"4111111111111111","cvv":"123"}"#.utf8), contentType: "application/json", withContext: false,
            tokenFor: tokenFor)
        let markedText = String(decoding: try #require(marked.body), as: UTF8.self)
        #expect(marked.removedSecurityCodes == 1 && markedText.hasPrefix("\u{FEFF}{\"card\":\"tok_") && markedText.hasSuffix("_1111\"}"), "\(markedText)")
        // Both kinds in one text: the ASCII one is tokenized in place, the other cannot be, so the body is refused.
        #expect(throws: RequestTokenizer.Refusal.nonASCIIDigits) {
            try RequestTokenizer().rewriteBody(
                Array("4111111111111111 and ５５５５５５５５５５５５４４４４".utf8), contentType: "text/plain", withContext: false, tokenFor: tokenFor)
        }
        // Escaped or percent-encoded, they are decoded by the rewriters and tokenized as ASCII digits.
        let token = tokenizer.token(for: Array("4111111111111111".utf8))
        let (json, _) = try rewrite(#"{"card":"\uff14\uff11\uff11\uff11111111111111"}"#, "application/json")
        #expect(json == #"{"card":""# + token + #""}"#, "\(json)")
        let (form, _) = try rewrite("card=%EF%BC%94111111111111111&n=%D9%A1", "application/x-www-form-urlencoded")
        #expect(form == "card=\(token)&n=%D9%A1", "\(form)")
        #expect(RequestTokenizer().rewritePath("/c/%EF%BC%94111111111111111", tokenFor: tokenFor).path == "/c/\(token)")
        for text in ["Café № ４２, qty ٣", "{\"name\":\"Zoë\",\"order\":\"１７６４５３３４６０１２３\"}", "4111 1111 1111 1111 and ünïcode"] {
            #expect((try? RequestTokenizer().rewriteBody(Array(text.utf8), contentType: "text/plain", withContext: false, tokenFor: tokenFor)) != nil, "\(text)")
        }
    }

    @Test func xmlAndText() throws {
        let xml = "<pay><card:number>4111111111111111</card:number><card:CVV>123</card:CVV><amt>12</amt></pay>"
        let (output, outcome) = try rewrite(xml, "application/xml")
        #expect(outcome.tokenized == 1 && outcome.removedSecurityCodes == 1)
        #expect(output.hasPrefix("<pay><card:number>tok_") && output.hasSuffix("</card:number><amt>12</amt></pay>"))
        // Attributes, CDATA and a closing tag with space in it; a quoted '>' does not end a tag.
        let attributes = #"<pay><card number="4111111111111111" cvv='123' exp="12/30"/><x:card x:CVC = "9" note="a>b"/>"#
            + "<cvv><![CDATA[777]]></cvv ><amt>12</amt></pay>"
        let (cut, cutOutcome) = try rewrite(attributes, "application/xml")
        #expect(cutOutcome.tokenized == 1 && cutOutcome.removedSecurityCodes == 3, "\(cut)")
        #expect(cut.hasPrefix(#"<pay><card number="tok_"#) && cut.hasSuffix(#"_1111" exp="12/30"/><x:card note="a>b"/><amt>12</amt></pay>"#), "\(cut)")
        #expect(!cut.outsideTokens.contains("123") && !cut.outsideTokens.contains("777") && !cut.outsideTokens.lowercased().contains("cvc"))
        // OpenTravel: CardCode is the issuer and stays; SeriesCode is the security code. An empty
        // security-code element goes whole.
        let ota = #"<Pay><PaymentCard CardCode="VI" CardNumber="4111111111111111" SeriesCode="123"/><cvv value="456"/></Pay>"#
        let (travel, travelOutcome) = try rewrite(ota, "application/xml")
        #expect(travelOutcome.removedSecurityCodes == 2 && travel.hasPrefix(#"<Pay><PaymentCard CardCode="VI" CardNumber="tok_"#), "\(travel)")
        #expect(travel.hasSuffix(#"_1111"/></Pay>"#) && !travel.outsideTokens.contains("456"), "\(travel)")
        let (text, _) = try rewrite("Please charge 5105 1051 0510 5100 today.", "text/plain")
        #expect(text.hasPrefix("Please charge tok_") && text.hasSuffix("_5100 today."))
        let (unknown, _) = try rewrite("4111111111111111", nil)
        #expect(unknown.hasPrefix("tok_"))
    }

    /// A form control that names a security code in `name` or `id` loses its `value`, in HTML (quoted
    /// either way or not at all, any case, nested names) and in XML; other controls stay as they are.
    @Test func securityCodesInFormControls() throws {
        let page = #"<form><input name="card" value="4111111111111111"><INPUT type=text NAME=cvv VALUE=123>"#
            + #"<input id='card_cvc' value='456' /><input name="payment[card][security_code]" value = "789"><input name="qty" value="2"></form>"#
        let (html, outcome) = try rewrite(page, "text/html")
        #expect(outcome.tokenized == 1 && outcome.removedSecurityCodes == 3, "\(html)")
        #expect(!html.outsideTokens.contains("123") && !html.outsideTokens.contains("456") && !html.outsideTokens.contains("789"), "\(html)")
        #expect(html.contains("<INPUT type=text NAME=cvv>") && html.contains("<input id='card_cvc' />"), "\(html)")
        #expect(html.contains(#"<input name="payment[card][security_code]">"#) && html.hasSuffix(#"<input name="qty" value="2"></form>"#), "\(html)")
        let (xml, xmlOutcome) = try rewrite(#"<f><field name="CVV2" value="321"/><field name="note" value="x"/></f>"#, "application/xml")
        #expect(xmlOutcome.removedSecurityCodes == 1 && xml == #"<f><field name="CVV2"/><field name="note" value="x"/></f>"#, "\(xml)")
        // A quoted '>' does not end the tag, a stray '=' does not end its attributes, a '<' before the tag
        // does not read it twice, and a textarea's text goes.
        for (sent, expected) in [
            (#"<input title="a>b" name="cvv" value="123">"#, #"<input title="a>b" name="cvv">"#),
            (#"<input ="" name="cvv" value="123">"#, #"<input ="" name="cvv">"#),
            ("<<input name=cvv value=1><<<x", "<<input name=cvv><<<x"),
            (#"<TEXTAREA name="card[cvc]">321</TextArea>ok"#, #"<TEXTAREA name="card[cvc]"></TextArea>ok"#),
            // Names spelled with character references, as a browser decodes them before posting the form.
            (#"<input name="c&#118;v" value="123">"#, #"<input name="c&#118;v">"#),
            (#"<input name="C&#x56;C2" value="123">"#, #"<input name="C&#x56;C2">"#),
            (#"<input id="card&lowbar;cvv" value="123">"#, #"<input id="card&lowbar;cvv">"#),
            (#"<input name="pay&lsqb;security&#95;code&rsqb;" value=123>"#, #"<input name="pay&lsqb;security&#95;code&rsqb;">"#),
            ("<input name=c&#118v value=123>", "<input name=c&#118v>"),
            (#"<input name="c&#0000000118;v" value="123">"#, #"<input name="c&#0000000118;v">"#),
            (#"<field name="&#99;&#118;&#118;" value="123"/>"#, #"<field name="&#99;&#118;&#118;"/>"#),
            // HTML's autofill token for the code names the control whatever it is called.
            (#"<input name="f7" autocomplete="cc-csc" value="123">"#, #"<input name="f7" autocomplete="cc-csc">"#),
            (#"<input autocomplete="section-pay billing CC-CSC" value=123 name=x>"#, #"<input autocomplete="section-pay billing CC-CSC" name=x>"#),
        ] {
            let (output, outcome) = try rewrite(sent, "text/html")
            #expect(output == expected && outcome.removedSecurityCodes == 1, "\(sent) → \(output)")
        }
        // Many textareas named as codes with no closing tag are read in linear time too.
        let openAreas = String(repeating: "<textarea autocomplete=cc-csc>x", count: 100_000)
        let areasElapsed = try ContinuousClock().measure { _ = try rewrite(openAreas, "text/html") }
        #expect(areasElapsed < .seconds(20), "\(areasElapsed)")
        // Many '<' before one '>' (XML or HTML) are read in linear time.
        let angles = String(repeating: "<", count: 200_000) + "a name=cvv value=1>"
        let clock = ContinuousClock()
        let elapsed = try clock.measure { for type in ["text/html", "application/xml"] { _ = try rewrite(angles, type) } }
        #expect(elapsed < .seconds(20), "\(elapsed)")
        // A control whose value names a code, or a label, stays; so do attributes without values.
        for kept in [
            #"<option value="cvv">CVV</option>"#, #"<label for="cvv">CVV</label>"#, "<input name=cvv disabled>", "<input name=", #"<input name="cvv" value="">"#,
            // References that spell no code, other autofill tokens, and the token outside `autocomplete`.
            #"<input name="c&amp;vv" value="123">"#, #"<input name="c&#119;v" value="123">"#,
            #"<input autocomplete="cc-exp" value="12/30">"#, #"<input autocomplete="cc-cscx" value="123">"#, #"<input title="cc-csc" value="123">"#,
        ] {
            let unchanged = try RequestTokenizer().rewriteBody(Array(kept.utf8), contentType: "text/html", withContext: false, tokenFor: tokenFor)
            #expect(unchanged.body == nil, "\(kept)")
        }
    }

    /// XML and HTML read `&#52;` and `&#x34;` as the digit 4: a card number spelled in character
    /// references is tokenized in markup and text, and refused where it cannot be placed.
    @Test func cardNumbersInCharacterReferences() throws {
        let xml = "<pay><number>&#52;&#x31;&#X31;&#0049;111111111111</number><note>&#169; &#49;&#50;</note></pay>"
        let (output, outcome) = try rewrite(xml, "application/xml")
        #expect(outcome.tokenized == 1, "\(output)")
        // Once a card number is found, every reference to a card character is written out (the same text
        // to an XML reader); others stay.
        #expect(output.hasPrefix("<pay><number>tok_") && output.hasSuffix("_1111</number><note>&#169; 12</note></pay>"), "\(output)")
        let (html, _) = try rewrite("<p>Card: 4111&#32;1111&#32;1111&#32;1111</p>", "text/html")
        #expect(html.hasPrefix("<p>Card: tok_") && html.hasSuffix("_1111</p>"), "\(html)")
        let (wide, _) = try rewrite("card &#xFF14;111111111111111.", "text/plain")
        #expect(wide.hasPrefix("card tok_") && wide.hasSuffix("_1111."), "\(wide)")
        // Leading zeros, invisible characters and named spaces.
        for spelled in ["&#0000000052;111111111111111", "4111&#8203;1111&#8203;1111&#8203;1111", "4111&nbsp;1111&nbsp;1111&nbsp;1111",
                        "4111&shy;111111111111", "&#52&#49&#49&#49 1111 1111 1111", "4111&nbsp1111&nbsp1111&nbsp1111", "4111&ndash;1111&ndash;1111&ndash;1111"] {
            let (html, outcome) = try rewrite("<p>\(spelled)</p>", "text/html")
            #expect(outcome.tokenized == 1 && html.hasPrefix("<p>tok_") && html.hasSuffix("_1111</p>"), "\(spelled) → \(html)")
        }
        // References that are not card characters, or not references, stay as written.
        for text in ["&#169;&#x2014;&#12;", "&#52", "&#x;", "&#99999999999;", "AT&T &# &amp;"] {
            let unchanged = try RequestTokenizer().rewriteBody(Array(text.utf8), contentType: "text/html", withContext: false, tokenFor: tokenFor)
            #expect(unchanged.body == nil, "\(text)")
        }
        // In JSON the references stay text the rewriter does not decode: refused rather than passed on.
        #expect(throws: CardRefusal.characterReferences) {
            try RequestTokenizer().rewriteBody(
                Array(#"{"note":"&#52;111111111111111"}"#.utf8), contentType: "application/json", withContext: false, tokenFor: tokenFor)
        }
        // A security code split across CDATA sections or around a comment still goes whole.
        let (split, splitOutcome) = try rewrite(
            "<p><cvv><![CDATA[12]]><![CDATA[3]]></cvv><cvc>4<!-- x -->56</cvc><csc>7<?pi?>89</csc><a>1</a></p>", "text/xml")
        #expect(splitOutcome.removedSecurityCodes == 3 && split == "<p><a>1</a></p>", "\(split)")
    }

    /// Security codes written inline: GraphQL arguments (in a JSON request's `query` or sent as
    /// application/graphql) and `name: value` text. Content IDs and the bare word stay.
    @Test func inlineSecurityCodes() throws {
        let graphQL = #"{"query":"mutation { pay(card: \"4111111111111111\", cvv: \"123\", amount: 5) }","variables":{"cvc":"456"}}"#
        let (json, outcome) = try rewrite(graphQL, "application/json")
        #expect(outcome.tokenized == 1 && outcome.removedSecurityCodes == 2, "\(json)")
        #expect(json.hasPrefix(#"{"query":"mutation { pay(card: \"tok_"#) && json.hasSuffix(#"_1111\", , amount: 5) }","variables":{}}"#), "\(json)")
        // Without an escape or a card number in it, the document is still read.
        let (plain, plainOutcome) = try rewrite(#"{"query" : "{ pay(order: 7, CVC2: 123) { ok } }"}"#, "application/json")
        #expect(plainOutcome.removedSecurityCodes == 1 && plain == #"{"query":"{ pay(order: 7, ) { ok } }"}"#, "\(plain)")
        // Only a GraphQL document is read for inline fields; other strings are values.
        let (note, noteOutcome) = try rewrite(#"{"note":"cvv: 123"}"#, "application/json")
        #expect(noteOutcome.removedSecurityCodes == 0 && note == #"{"note":"cvv: 123"}"#)
        let (raw, rawOutcome) = try rewrite("mutation { pay(card: \"5555555555554444\", security_code: '12\\'3') }", "application/graphql")
        #expect(rawOutcome.removedSecurityCodes == 1 && raw.hasPrefix("mutation { pay(card: \"tok_") && raw.hasSuffix("_4444\", ) }"), "\(raw)")
        let (text, _) = try rewrite("Card 4111 1111 1111 1111\nCVV: 123\n\"cvc\" = 456, exp 12/30", "text/plain")
        #expect(text.hasPrefix("Card tok_") && text.hasSuffix("_1111\n\n, exp 12/30"), "\(text)")
        for unchanged in [#"<img src="cid:part1.xyz">"#, "What is a CVV? It is on the back.", "discvv: 1, cvvx=2", "cvv:", "cvv: \"open", "cvv: 12ab"] {
            let outcome = try RequestTokenizer().rewriteBody(Array(unchanged.utf8), contentType: "text/plain", withContext: false, tokenFor: tokenFor)
            #expect(outcome.body == nil, "\(unchanged)")
        }
        // GraphQL that names a security code without carrying one stays as it is: a variable definition
        // and use, an alias.
        for query in ["mutation Pay($cvv: String!) { pay(cvv: $cvv) }", "{ card { cvv: securityCode } }"] {
            let outcome = try RequestTokenizer().rewriteBody(Array(query.utf8), contentType: "application/graphql", withContext: false, tokenFor: tokenFor)
            #expect(outcome.body == nil, "\(query)")
        }
        // An argument list left empty goes with its parentheses; a quoted value's quotes stay paired;
        // a block string goes whole; digits spelled as references go too.
        for (sent, expected) in [
            (#"mutation { pay(cvv:"123") { ok } }"#, "mutation { pay { ok } }"), (#"{ pay(note:"cvv=1") }"#, #"{ pay(note:"") }"#),
            ("{ pay(cvv: \"\"\"123\"\"\", n: 1) }", "{ pay(, n: 1) }"), ("card cvv=&#49;&#50;&#51; ok", "card  ok"),
        ] {
            let (output, _) = try rewrite(sent, "application/graphql")
            #expect(output == expected, "\(sent) → \(output)")
        }
        // Scripts and files are not read for inline codes.
        for (body, type) in [(#"var cvv = "123"; x.cvc = 456"#, "application/javascript"), ("\u{89}PNG csc=1 cvv:22", "image/png")] {
            let outcome = try RequestTokenizer().rewriteBody(Array(body.utf8), contentType: type, withContext: false, tokenFor: tokenFor)
            #expect(outcome.body == nil, "\(type)")
        }
        // A name right after a removed value's closing quote is read without stepping into it.
        let (adjacent, adjacentOutcome) = try rewrite(#"cvv="1"cvv=2 end"#, "text/plain")
        #expect(adjacentOutcome.removedSecurityCodes == 2 && adjacent == " end", "\(adjacent)")
        _ = try rewrite(#"{"query":"{pay(cvv:\"1\"cvv:\"2\")}"}"#, "application/json")
        // In a query string or a form, a GraphQL document is read too.
        let query = RequestTokenizer().rewriteQuery("query=mutation%7Bpay(cvv:%22123%22,n:1)%7D&x=1", tokenFor: tokenFor)
        #expect(query.removed == 1 && query.query.map { !$0.contains("123") && $0.contains("n%3A1") } == true, "\(query.query ?? "-")")
    }

    /// Random text over the bytes the text and XML readers act on (names, quotes, separators,
    /// references, tags): none makes them trap, and what they let through holds no card number.
    @Test func randomMarkupNeverTraps() throws {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["cvv", "CVC", "cid", "\"", "'", ":", "=", "1", "23", "(", ")", ",", " ", "$", "&#", "x3", ";", "<", ">", "</", "/>",
                      "<![CDATA[", "]]>", "<!--", "-->", "<?", "?>", "\\", "\n", "\"\"\"", "&nbsp", "4111111111111111", "\u{200B}"]
        for _ in 0..<4_000 {
            let text = (0..<Int.random(in: 1...24, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            for type in ["text/plain", "application/graphql", "application/xml", "text/html"] {
                guard let outcome = try? RequestTokenizer().rewriteBody(Array(text.utf8), contentType: type, withContext: false, tokenFor: tokenFor)
                else { continue }
                let forwarded = outcome.body ?? Array(text.utf8)
                #expect(!forwarded.withUnsafeBytes { PANDetector.containsPAN($0) }, "\(type): \(text)")
            }
        }
    }

    /// Bodies built to make the rewriters work hard or recurse: each finishes, quickly.
    @Test func hostileShapesFinish() throws {
        let started = ContinuousClock.now
        let marks = [UInt8](repeating: 0, count: 0) + Array(repeating: [0xEF, 0xBB, 0xBF] as [UInt8], count: 30_000).flatMap { $0 }
        for type in ["application/json", "text/plain"] {
            _ = try RequestTokenizer().rewriteBody(marks, contentType: type, withContext: false, tokenFor: tokenFor)
        }
        let comments = Array(String(repeating: "<a><!--", count: 5_000).utf8)
        _ = try RequestTokenizer().rewriteBody(comments, contentType: "application/xml", withContext: false, tokenFor: tokenFor)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func findingsCarryTheSecurityCodeAndExpiryOfTheirObject() throws {
        var seen: [(String, String?, String?)] = []
        _ = try RequestTokenizer().rewriteBody(
            Array("{\"a\":{\"pan\":\"4111111111111111\",\"cvv\":\"123\",\"expiry\":\"12/30\"},\"b\":{\"pan\":\"5555555555554444\"}}".utf8),
            kind: .json
        ) { finding in
            seen.append((String(decoding: finding.pan, as: UTF8.self), finding.cvv.map { String(decoding: $0, as: UTF8.self) }, finding.expiry))
            return "tok_x"
        }
        #expect(seen.count == 2)
        #expect(seen[0] == ("4111111111111111", "123", "12/30"))
        #expect(seen[1] == ("5555555555554444", nil, nil))
    }
}

extension StringProtocol {
    /// The text with every card token (`tok_…`, `ptok_…`) cut down to `tok`: tokens are Base58 of a
    /// MAC with a random key, so by chance one may spell a security-code name or a number under test.
    var outsideTokens: String { replacingOccurrences(of: "tok_[1-9A-Za-z_]+", with: "tok", options: .regularExpression) }
}
