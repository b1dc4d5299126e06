import Foundation
import GatehouseTesting
import GatehouseTokenization
import Testing

/// Card numbers through the built gateway: replaced before they leave it, in every encoding, and
/// found nowhere on disk afterwards by `gatehouse pci scan`; only the processor double sees them.
struct CardTokenizationTests {
    static let cards = [
        "4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "3566002020360505",
        "30569309025904", "6200000000000005", "2223003122003222", "4012888888881881", "5105105105105100",
    ]
    /// Base58 has no '0', so this security code can never occur inside a gateway token.
    static let securityCode = "0427"

    /// One curl request, as lines of a curl config file.
    struct Request {
        var path: String
        var host: String
        var headers: [String] = []
        var data: String?
    }

    /// A multipart form with a fixed boundary: curl's own is random hex, whose digit runs are now and
    /// then a Luhn-valid card number (which the upstream then stores, as any client's boundary).
    static func multipartForm(_ fields: [(String, String)]) -> (header: String, body: String) {
        let boundary = "gatehouse-flood-boundary"
        let parts = fields.map { "--\(boundary)\r\nContent-Disposition: form-data; name=\"\($0.0)\"\r\n\r\n\($0.1)\r\n" }
        return ("Content-Type: multipart/form-data; boundary=\(boundary)", parts.joined() + "--\(boundary)--\r\n")
    }

    static func requests(count: Int, tokenHost: String, processorHost: String, gzipFiles: [String]) -> [Request] {
        (0..<count).map { index in
            let card = cards[index % cards.count]
            let spaced = stride(from: 0, to: card.count, by: 4).map { offset -> String in
                let start = card.index(card.startIndex, offsetBy: offset)
                return String(card[start..<(card.index(start, offsetBy: 4, limitedBy: card.endIndex) ?? card.endIndex)])
            }
            // Every eighth request goes to the tenant with a card processor.
            let host = index % 8 == 7 ? processorHost : tokenHost
            switch index % 9 {
            case 0:
                return Request(
                    path: "/echo?i=\(index)", host: host, headers: ["Content-Type: application/json"],
                    data: "{\"order\":\(index),\"card\":{\"number\":\"\(card)\",\"cvv\":\"\(securityCode)\",\"exp\":\"12/30\"}}")
            case 1:
                // A number, and a member name (a map keyed by card).
                return Request(
                    path: "/echo?i=\(index)", host: host, headers: ["Content-Type: application/json"],
                    data: "{\"pan\":\(card),\"qty\":2,\"seen\":{\"\(card)\":1}}")
            case 2:
                return Request(
                    path: "/echo?i=\(index)", host: host, headers: ["Content-Type: application/x-www-form-urlencoded"],
                    data: "name=Ada+Lovelace&card=\(spaced.joined(separator: "+"))&cvc=\(securityCode)")
            case 3:
                return Request(path: "/echo/\(card)?i=\(index)&pan=\(spaced.joined(separator: "-"))&cvv=\(securityCode)", host: host)
            case 4:
                let form = multipartForm([("card", card), ("cvv", securityCode), ("note", "thanks")])
                return Request(path: "/echo?i=\(index)", host: host, headers: [form.header], data: form.body)
            case 5 where index % 2 == 0:
                return Request(
                    path: "/echo?i=\(index)", host: host, headers: ["Content-Type: application/xml"],
                    data: "<pay><pan>\(card)</pan><cvv>\(securityCode)</cvv></pay>")
            case 5:
                // Spelled in character references; the security code split across CDATA sections.
                let references = card.unicodeScalars.map { index % 4 == 1 ? "&#\($0.value);" : "&#x\(String($0.value, radix: 16));" }
                return Request(
                    path: "/echo?i=\(index)", host: host, headers: ["Content-Type: application/xml"],
                    data: "<pay><pan>\(references.joined())</pan><cvv><![CDATA[\(securityCode.prefix(1))]]><![CDATA[\(securityCode.dropFirst())]]></cvv></pay>")
            case 6:
                return Request(
                    path: "/echo?i=\(index)", host: host, headers: ["Content-Type: text/plain"], data: "charge \(spaced.joined(separator: " ")) today")
            case 7:
                // In a value, in a name, and spelled as a search in a Referer; security codes in fields and a
                // cookie of their own (`X-Cid`, a correlation ID in many APIs, stays).
                return Request(
                    path: "/echo?i=\(index)", host: host,
                    headers: [
                        // A stray '%' does not stop the rest decoding (the URL goes on with it escaped as %25).
                        "X-Card: \(card)", "X-Seen-\(card): 1", "Referer: https://shop.example/find?q=\(spaced.joined(separator: "+"))&p=2&off=10%",
                        "Cookie: a=1; c%76v=\(securityCode); last=\(spaced.joined(separator: "%20"))",
                        "CVV: \(securityCode)", "X-Card-Security-Code: \(securityCode)", "X-Cid: 42",
                    ])
            default:
                return Request(
                    path: "/echo?i=\(index)", host: host, headers: ["Content-Type: application/json", "Content-Encoding: gzip"],
                    data: "@" + gzipFiles[index % gzipFiles.count])
            }
        }
    }

    @Test func cardNumbersNeverReachTheUpstreamOrTheDisk() throws {
        let scratch = TemporaryDirectory("gatehouse-cards")
        let upstreamDatabase = scratch.path("upstream.sqlite"), processorDatabase = scratch.path("processor.sqlite")
        let upstream = try LoopbackUpstream.start(bodyDatabase: upstreamDatabase)
        let processor = try LoopbackUpstream.start(bodyDatabase: processorDatabase)
        defer {
            upstream.shutdown()
            processor.shutdown()
        }
        let gateway = RunningGateway()
        for (tenant, user) in [("acme", "alice"), ("beta", "bob")] {
            try GatewayFixture.check(gateway.cli("tenant", "create", tenant, "--upstream", upstream.url))
            try GatewayFixture.check(gateway.cli("user", "add", tenant, user, "--role", "user"))
        }
        let acmeToken = try gateway.cli("user", "token", "create", "acme", "alice").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let betaToken = try gateway.cli("user", "token", "create", "beta", "bob").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try GatewayFixture.check(gateway.cli("tenant", "set", "beta", "--card-processor", processor.url + "/processor"))
        try gateway.start(["--log-level", "debug"])
        defer { gateway.stop() }

        // gzip bodies, made with the system gzip.
        var gzipFiles: [String] = []
        for (index, card) in Self.cards.prefix(3).enumerated() {
            let plain = scratch.path("body\(index).json")
            try "{\"payment\":{\"card\":\"\(card)\",\"security_code\":\"\(Self.securityCode)\"}}".write(toFile: plain, atomically: true, encoding: .utf8)
            _ = try ProcessRunner.run("/bin/sh", ["-c", "gzip -c '\(plain)' > '\(plain).gz' && rm '\(plain)'"])
            gzipFiles.append(plain + ".gz")
        }
        // One document in two gzip members, one after the other (as `cat a.gz b.gz` makes): both are read.
        let split = scratch.path("split.json.gz")
        _ = try ProcessRunner.run("/bin/sh", ["-c", """
            (printf '%s' '{"payment":{"card":"\(Self.cards[3])",' | gzip -c; printf '%s' '"cvv":"\(Self.securityCode)"}}' | gzip -c) > '\(split)'
            """])
        gzipFiles.append(split)

        let acmeHost = "acme.\(gateway.platformDomain)", betaHost = "beta.\(gateway.platformDomain)"
        let requests = Self.requests(count: 1_008, tokenHost: acmeHost, processorHost: betaHost, gzipFiles: gzipFiles)
        var config = ""
        for request in requests {
            let token = request.host == betaHost ? betaToken : acmeToken
            config += "url = \"https://\(request.host):\(gateway.httpsPort)\(request.path)\"\n"
            config += "cacert = \"\(gateway.caPath)\"\nresolve = \"\(request.host):\(gateway.httpsPort):127.0.0.1\"\n"
            config += "header = \"Authorization: Bearer \(token)\"\n"
            for header in request.headers { config += "header = \"\(header)\"\n" }
            if let data = request.data {
                // A config line is one line: line breaks go in as curl's escapes.
                let quoted = data.replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\r\n", with: "\\r\\n")
                    .replacingOccurrences(of: "\n", with: "\\n")
                config += "data-binary = \"\(quoted)\"\n"
            }
            config += "output = \"/dev/null\"\nwrite-out = \"%{http_code}\\n\"\nsilent\nnext\n"
        }
        let configPath = scratch.path("requests.curl")
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let floodStart = Date()
        let run = try ProcessRunner.run("/usr/bin/curl", ["-K", configPath], timeout: 300)
        let floodSeconds = Int(Date().timeIntervalSince(floodStart).rounded(.up))
        let statuses = run.stdout.split(separator: "\n")
        #expect(statuses.count == requests.count, "\(run.stderr.prefix(500))")
        #expect(statuses.allSatisfy { $0 == "200" }, "\(Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count))")

        // The upstream got every request, with tokens and without security codes.
        let received = upstream.received
        #expect(received.count == requests.count)
        var ownTokens = 0, processorTokens = 0
        for request in received {
            let everything = request.uri + request.headers.map { "\($0.0): \($0.1)" }.joined() + request.bodyText
            #expect(!PANDetector.containsPAN(everything), "\(request.uri)")
            // Independent of the detector: no sent card's digits, with separators and encodings stripped.
            let digitsOnly = (everything.removingPercentEncoding ?? everything).filter { !" -+".contains($0) }
            #expect(!Self.cards.contains { digitsOnly.contains($0) }, "\(request.uri)")
            #expect(!everything.holdsWord(Self.securityCode), "\(request.uri)")
            if let referer = request.headers.first(where: { $0.0.lowercased() == "referer" })?.1 {
                #expect(referer.hasPrefix("https://shop.example/find?q=") && referer.contains("tok_") && referer.hasSuffix("&p=2&off=10%25"), "\(referer)")
            }
            if let cookie = request.headers.first(where: { $0.0.lowercased() == "cookie" })?.1 {
                #expect(cookie.hasPrefix("a=1; last=") && cookie.contains("tok_"), "\(cookie)")
                // A header name that held a card number now holds its token, whose letters may spell "cvv" by chance.
                let names = request.headers.map { $0.0.outsideTokens.lowercased() }
                #expect(request.headers.contains { $0 == ("X-Cid", "42") } && !names.contains { $0.contains("cvv") || $0.contains("security") }, "\(names)")
            }
            // A number spelled in character references goes on as a token, its references written out.
            #expect(!request.bodyText.contains("&#"), "\(request.bodyText)")
            let bodyOutsideTokens = request.bodyText.outsideTokens
            #expect(!bodyOutsideTokens.lowercased().contains("cvv") && !bodyOutsideTokens.contains("security_code"), "\(request.bodyText)")
            if everything.contains("ptok_") { processorTokens += 1 } else if everything.contains("tok_") { ownTokens += 1 }
        }
        #expect(ownTokens > 800 && processorTokens > 100, "own \(ownTokens), processor \(processorTokens)")
        // The processor double got the card numbers of beta's requests, with their security codes.
        #expect(processor.received.count >= 100)
        #expect(processor.received.contains { $0.bodyText.contains("\"cvv\":\"\(Self.securityCode)\"") })
        #expect(processor.received.allSatisfy { PANDetector.containsPAN($0.bodyText) })

        // The audit counts tokenized fields, never the numbers.
        #expect(eventually(within: 5) { (try? gateway.cli("audit", "list", "--tenant", "acme", "--json").stdout.contains("card.tokenize")) == true })
        #expect(gateway.stop() == 0)
        let events = (try JSONSerialization.jsonObject(with: Data(try gateway.cli("audit", "list", "--limit", "100000", "--json").stdout.utf8))) as? [[String: Any]] ?? []
        // One event per second per user, address and host, counting requests and fields.
        let tokenized = events.filter { $0["action"] as? String == "card.tokenize" }.compactMap { $0["details"] as? [String: String] }
        let counted = tokenized.reduce(0) { $0 + (Int($1["requests"] ?? "") ?? 0) }
        #expect(counted == requests.count, "\(gateway.log().split(separator: "\n").filter { !$0.contains("access]") }.suffix(15).joined(separator: "\n"))")
        // At most one event a second for each of the two hosts (with a second's edge at each end).
        #expect(tokenized.count <= 2 * (floodSeconds + 2), "\(tokenized.count) events in \(floodSeconds) s")
        #expect(tokenized.allSatisfy { (Int($0["fields"] ?? "") ?? 0) >= (Int($0["requests"] ?? "") ?? 1) })
        // Each request's access log line carries its own count.
        let accessLines = gateway.log().split(separator: "\n").filter { $0.contains("access]") && $0.contains("cards=") }
        #expect(accessLines.count >= requests.count, "\(accessLines.count) access lines with a card count")
        // (Hashes print as hex, where digit runs occur by chance; the events' own fields are checked.)
        let fields = events.map { event in event.filter { $0.key != "hash" }.map { "\($0.value)" }.joined(separator: " ") }
        #expect(!fields.contains { PANDetector.containsPAN($0) })

        // Nothing on disk holds a card number: data (SQLite, WAL), certificates, debug logs, the upstream's database.
        let scan = try gateway.cli(
            "pci", "scan", gateway.dataPath, gateway.certificatesPath, gateway.logURL.path, gateway.logURL.path + ".out", upstreamDatabase)
        #expect(scan.status == 0, "\(scan.stdout.prefix(2_000)) \(scan.stderr)")
        #expect(scan.stderr.contains("0 card numbers found"))
        #expect(!gateway.log().holdsWord(Self.securityCode))
        // …and the scan does see them where they are: the processor double's database.
        let processorScan = try gateway.cli("pci", "scan", processorDatabase)
        #expect(processorScan.status == 1)
        #expect(processorScan.stdout.contains("******") && !processorScan.stdout.contains("5555555555554444"))
    }

    @Test func whatCannotBeHandledSafelyIsRefused() throws {
        let fixture = try GatewayFixture { gateway in
            try GatewayFixture.check(gateway.cli("tenant", "create", "gamma", "--upstream", "http://127.0.0.1:9"))
        }
        defer { fixture.stop() }
        let json = fixture.bearer + ["-H", "Content-Type: application/json"]
        // Malformed JSON holding a card number: 422, never forwarded.
        let malformed = try fixture.get("/echo", json + ["--data-binary", "{\"card\": \"4111111111111111\""])
        #expect(malformed.status == 422)
        #expect(malformed.text.contains("not well-formed"))
        // Malformed JSON without one goes on (the application answers it).
        #expect(try fixture.get("/echo", json + ["--data-binary", "{oops"]).status == 200)
        // An encoding the gateway cannot decode: 415.
        let brotli = try fixture.get("/echo", json + ["-H", "Content-Encoding: br", "--data-binary", "anything"])
        #expect(brotli.status == 415)
        #expect(brotli.text.contains("br"))
        // Corrupt gzip: 400.
        #expect(try fixture.get("/echo", json + ["-H", "Content-Encoding: gzip", "--data-binary", "not gzip"]).status == 400)
        // UTF-16 text, which the detector cannot read: refused with what to do instead.
        let scratch = TemporaryDirectory("gatehouse-wide")
        let wide = scratch.path("utf16.json")
        try Data([0xFF, 0xFE] + Array("{\"card\":\"4111111111111111\"}".data(using: .utf16LittleEndian)!)).write(to: URL(fileURLWithPath: wide))
        let utf16 = try fixture.get("/echo", json + ["--data-binary", "@" + wide])
        #expect(utf16.status == 422 && utf16.text.contains("UTF-16") && utf16.text.contains("send it as UTF-8"), "\(utf16.text)")
        #expect(fixture.upstream.received.count == 1, "\(fixture.upstream.received.map { "\($0.method) \($0.uri) \($0.bodyText)" })")
        // A processor that cannot be reached: 422, not forwarded.
        try GatewayFixture.check(fixture.gateway.cli("tenant", "set", "acme", "--card-processor", "http://127.0.0.1:9/x"))
        #expect(eventually(within: 5) {
            (try? fixture.get("/echo", json + ["--data-binary", "{\"card\":\"4111111111111111\"}"]).status) == 422
        })
        let forwarded = fixture.upstream.received.count  // before the setting was live, tokens went on
        let unreachable = try fixture.get("/echo", json + ["--data-binary", "{\"card\":\"5555555555554444\"}"])
        #expect(unreachable.status == 422 && unreachable.text.contains("card processor could not be reached"))
        #expect(fixture.upstream.received.count == forwarded)
        // Requests without card numbers still pass.
        #expect(try fixture.get("/echo", json + ["--data-binary", "{\"ok\":true}"]).status == 200)
        #expect(!fixture.gateway.log().contains("4111111111111111"))
        let refused = try fixture.audit().filter { $0["action"] as? String == "card.refuse" }
        #expect(refused.count >= 2)
    }

    /// Card numbers in base64 text or in compressed files cannot be tokenized where they are: the
    /// request is refused with what to do, nothing reaches the upstream; encoded data without one
    /// goes on unchanged.
    @Test func encodedCardNumbersAreRefused() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        let scratch = TemporaryDirectory("gatehouse-encoded")
        let csv = "customer,card\nacme,\(Self.cards[0])\n"
        try csv.write(toFile: scratch.path("orders.csv"), atomically: true, encoding: .utf8)
        try "customer,amount\nacme,12.00\n".write(toFile: scratch.path("clean.csv"), atomically: true, encoding: .utf8)
        // A Word document whose number was typed across two runs (a spell-check mark, then bold).
        try FileManager.default.createDirectory(atPath: scratch.path("word"), withIntermediateDirectories: true)
        let document = #"<?xml version="1.0"?><w:document><w:body><w:p><w:r><w:t xml:space="preserve">Card 4111 1111</w:t></w:r>"#
            + #"<w:proofErr w:type="spellStart"/><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve"> 1111 1111</w:t></w:r></w:p></w:body></w:document>"#
        try document.write(toFile: scratch.path("word/document.xml"), atomically: true, encoding: .utf8)
        let made = try ProcessRunner.run(
            "/bin/sh", ["-c", "gzip -k orders.csv && zip -q orders.zip orders.csv && zip -q clean.zip clean.csv && zip -q -P secret locked.zip clean.csv"
                + " && zip -q -r report.docx word"],
            currentDirectory: scratch.url.path)
        // A generated invoice PDF whose page draws the number from a FlateDecode content stream.
        let pdf = """
            import zlib
            page = zlib.compress(b"BT /F1 12 Tf 72 700 Td [(Card 4111 11)-12(11 1111 1111)] TJ ET")
            body = b"%%PDF-1.7\\n1 0 obj\\n<< /Length %d /Filter /FlateDecode >>\\nstream\\n" % len(page) + page
            open("invoice.pdf", "wb").write(body + b"\\nendstream\\nendobj\\n%%EOF\\n")
            """
        #expect(try ProcessRunner.run("/usr/bin/python3", ["-c", pdf], currentDirectory: scratch.url.path).status == 0)
        #expect(made.status == 0, "\(made.stderr)")
        let base64 = Data(csv.utf8).base64EncodedString()
        let urlSafe = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let json = fixture.bearer + ["-H", "Content-Type: application/json"]
        // Pretty-printed XML: base64 wrapped at 76 with each line indented, the number across a break.
        let wrapped = Data((String(repeating: "x", count: 30) + "\n" + csv).utf8).base64EncodedString(options: .lineLength76Characters)
        let xml = "<import>\n  <file>\n    " + wrapped.replacingOccurrences(of: "\r\n", with: "\n    ") + "\n  </file>\n</import>\n"
        let refused: [(String, [String], String)] = [
            ("base64 in JSON", json + ["--data-binary", "{\"file\":\"data:text/csv;base64,\(base64)\"}"], "base64"),
            ("indented base64 in XML", fixture.bearer + ["-H", "Content-Type: application/xml", "--data-binary", xml], "base64"),
            ("a gzip upload", fixture.bearer + ["-H", "Content-Type: application/gzip", "--data-binary", "@" + scratch.path("orders.csv.gz")], "gzip"),
            ("a ZIP in a form", fixture.bearer + ["-F", "file=@" + scratch.path("orders.zip")], "ZIP"),
            ("a number split into Word runs", fixture.bearer + ["-F", "file=@" + scratch.path("report.docx")], "ZIP"),
            ("a number drawn in a PDF", fixture.bearer + ["-F", "file=@" + scratch.path("invoice.pdf")], "PDF"),
            ("base64 in a cookie", fixture.bearer + ["-H", "Cookie: import=\(urlSafe)"], "base64"),
        ]
        var forwarded = fixture.upstream.received.count
        for (what, arguments, encoding) in refused {
            let answer = try fixture.get("/echo", arguments)
            #expect(answer.status == 422, "\(what): \(answer.status) \(answer.text)")
            #expect(answer.text.contains("inside \(encoding) data") && answer.text.contains("plain text") && !answer.text.contains("4111"), "\(what): \(answer.text)")
            #expect(fixture.upstream.received.count == forwarded, "\(what) reached the upstream")
        }
        let state = try fixture.get("/echo?state=\(urlSafe)", fixture.bearer)
        #expect(state.status == 422 && fixture.upstream.received.count == forwarded, "\(state.status)")
        // An encrypted archive cannot be read through: refused, saying so.
        let locked = try fixture.get("/echo", fixture.bearer + ["-F", "file=@" + scratch.path("locked.zip")])
        #expect(locked.status == 422 && locked.text.contains("encrypted with a password"), "\(locked.status) \(locked.text)")
        // Without a card number, encoded data goes on byte for byte.
        let clean = try fixture.get("/echo", fixture.bearer + ["-H", "Content-Type: application/zip", "--data-binary", "@" + scratch.path("clean.zip")])
        #expect(clean.status == 200)
        forwarded += 1
        #expect(fixture.upstream.received.count == forwarded)
        #expect(fixture.upstream.received.last?.body == Array(try Data(contentsOf: URL(fileURLWithPath: scratch.path("clean.zip")))))
        // A form part in a transfer encoding (curl's `encoder=`) is read decoded: its card number
        // becomes a token, and the part goes on in its encoding.
        for encoder in ["base64", "quoted-printable"] {
            let sent = try fixture.get("/echo", fixture.bearer + ["-F", "file=@\(scratch.path("orders.csv"));encoder=\(encoder)"])
            #expect(sent.status == 200, "\(encoder): \(sent.status) \(sent.text)")
            forwarded += 1
            #expect(fixture.upstream.received.count == forwarded)
            let body = String(decoding: fixture.upstream.received.last?.body ?? [], as: UTF8.self)
            let content = body.components(separatedBy: "\r\n\r\n").dropFirst().first?.components(separatedBy: "\r\n--").first ?? ""
            let decoded = encoder == "base64" ? String(decoding: Data(base64Encoded: content, options: .ignoreUnknownCharacters) ?? Data(), as: UTF8.self) : content
            #expect(body.contains("Content-Transfer-Encoding: \(encoder)") && decoded.contains("acme,tok_"), "\(encoder): \(body)")
            #expect(!PANDetector.containsPAN(body) && !PANDetector.containsPAN(decoded), "\(encoder): \(body)")
        }
        // A small upload that inflates past what the event loop reads (2 MiB) is read off it, whole:
        // 3 MiB of text in about 50 KiB of gzip goes on; a bomb is refused.
        var block: [UInt8] = [], seed: UInt32 = 7
        for _ in 0..<(16 << 10) {
            seed = seed &* 1_103_515_245 &+ 12345
            block.append(0x61 + UInt8((seed >> 16) % 26))
        }
        try Data(Array(repeating: block, count: 192).flatMap { $0 }).write(to: URL(fileURLWithPath: scratch.path("large.txt")))
        let packed = try ProcessRunner.run(
            "/bin/sh", ["-c", "gzip -k large.txt && head -c 200000000 /dev/zero | gzip > bomb.gz"], currentDirectory: scratch.url.path)
        #expect(packed.status == 0)
        let largeSize = try #require(try FileManager.default.attributesOfItem(atPath: scratch.path("large.txt.gz"))[.size] as? Int)
        // (Small enough to be read on the event loop first; large enough to be allowed its 3 MiB.)
        #expect(largeSize < 64 * 1024 && largeSize * 256 > 3 << 20, "\(largeSize)")
        let gzipType = fixture.bearer + ["-H", "Content-Type: application/gzip", "--data-binary"]
        #expect(try fixture.get("/echo", gzipType + ["@" + scratch.path("large.txt.gz")]).status == 200)
        forwarded += 1
        let bomb = try fixture.get("/echo", gzipType + ["@" + scratch.path("bomb.gz")])
        #expect(bomb.status == 422 && bomb.text.contains("expands past") && fixture.upstream.received.count == forwarded, "\(bomb.status) \(bomb.text)")
        let note = Data("customer,amount\nacme,12.00\n".utf8).base64EncodedString()
        #expect(try fixture.get("/echo", json + ["--data-binary", "{\"file\":\"\(note)\"}"]).status == 200)
        #expect(!fixture.gateway.log().contains("4111111111111111"))
    }

    @Test func responsesShowAtMostBINAndLastFour() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        let page = try fixture.get("/card", fixture.bearer)
        #expect(page.status == 200)
        #expect(page.text == "Card on file: 4111 11** **** 1111, backup 555555******4444.\n")
        #expect(page.header("content-disposition") == ["attachment; filename=\"card-411111******1111.txt\""])
        // Spelled otherwise (as a browser or a JSON parser shows it), the number is masked too, each hidden
        // digit's spelling replaced by '*'s, so the length stays.
        for (name, expected) in [
            ("html", "<p>Card &#52;&#x31;11&nbsp;11**&nbsp;****&nbsp;1111 &amp; more</p>"),
            ("json", #"{"card":"\u003411111******1111","note":"\u00e9t\u00e9"}"#),
            ("wide", "カード ４１１１１１******************１１１１ です"),
            ("form", "card=411111******1111&ok=1&next=%34%31%31%3111******1111&q=4111+11**+****+1111"),
            (
                "template",
                "<li>Card\n  <span class=\"group\">4111</span>\n  <span class=\"group\">11**</span>\n  <span class=\"group\">****</span>\n  <span class=\"group\">1111</span>\n</li><li><b>2026</b>-<b>11</b>-<b>30</b></li>"
            ),
            // A page shows groups on lines of their own as one line; text keeps its lines.
            ("lines", "<td>\n  4111\n  11**\n  ****\n  1111\n</td>"),
            ("lines.txt", "4111\n1111\n1111\n1111\n"),
            ("lines-untyped", "<td>\n  4111\n  11**\n  ****\n  1111\n</td>"),
            ("textarea", "<form><textarea name=\"pins\">\n9779\n2542\n6991\n1950\n9313\n</textarea></form>"),
        ] {
            let spelled = try fixture.get("/spelled/\(name)", fixture.bearer)
            #expect(spelled.status == 200 && spelled.text == expected, "\(name): \(spelled.text)")
            #expect(spelled.text.utf8.count == LoopbackUpstream.spelledCardPages[name]?.body.utf8.count)
        }
        // The upstream is asked for an uncompressed answer (one it could mask), whatever the client accepts.
        #expect(try fixture.get("/echo", fixture.bearer + ["-H", "Accept-Encoding: gzip, br"]).status == 200)
        let asked = fixture.upstream.received.last?.headers.filter { $0.0.lowercased() == "accept-encoding" }.map(\.1)
        #expect(asked == ["identity"], "\(asked ?? [])")
        // And for the whole representation: a card number split between two ranges would be masked in neither.
        let ranged = try fixture.get("/card", fixture.bearer + ["-H", "Range: bytes=0-19", "-H", "If-Range: \"v1\""])
        #expect(ranged.status == 200 && ranged.text.hasPrefix("Card on file: 4111 11** **** 1111"), "\(ranged.status) \(ranged.text)")
        _ = try fixture.get("/echo", fixture.bearer + ["-H", "Range: bytes=0-19", "-H", "If_Range: x"])
        let rangeFields = fixture.upstream.received.last?.headers.filter { ["range", "if-range", "if_range"].contains($0.0.lowercased()) }
        #expect(rangeFields?.isEmpty == true, "\(rangeFields ?? [])")
        // Turned off, the tenant's traffic passes untouched (an operator's explicit choice).
        let off = try fixture.gateway.cli("tenant", "set", "acme", "--tokenization", "off")
        #expect(off.status == 0 && off.stderr.contains("warning"))
        #expect(eventually(within: 5) { (try? fixture.get("/card", fixture.bearer).text.contains("4111 1111 1111 1111")) == true })
        let echoed = try fixture.get("/echo", fixture.bearer + ["-H", "Content-Type: application/json", "--data-binary", "{\"card\":\"4111111111111111\"}"])
        #expect(echoed.status == 200 && fixture.upstream.received.last?.bodyText.contains("4111111111111111") == true)
        _ = try fixture.get("/echo", fixture.bearer + ["-H", "Range: bytes=0-19"])
        #expect(fixture.upstream.received.last?.header("range") == ["bytes=0-19"])
    }

    /// An upstream that compresses text although it was asked for identity: the response is decoded and
    /// masked, and goes on as identity; a coding the gateway cannot decode is not forwarded; a compressed
    /// body cut off ends the client's connection without a complete response.
    @Test func compressedResponsesAreDecodedAndMasked() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        let masked = "Card on file: 4111 11** **** 1111, backup 555555******4444.\n"
        for path in ["/card.gz", "/card.deflate", "/card.raw-deflate", "/card-untyped", "/card.none"] {
            let page = try fixture.get(path, fixture.bearer + ["-H", "Accept-Encoding: gzip, deflate"])
            #expect(page.status == 200, "\(path): \(page.error)")
            #expect(page.text == masked, "\(path): \(page.text)")
            #expect(page.header("content-encoding").allSatisfy { $0 == "none" }, "\(path)")
        }
        // An HTTP/1.0 client asking to keep the connection gets the decoded body ended by a close.
        let old = try fixture.get("/card.gz", fixture.bearer + ["--http1.0", "-H", "Connection: keep-alive", "--max-time", "5"])
        #expect(old.status == 200 && old.text == masked && old.header("connection") == ["close"] && old.error.isEmpty, "\(old.error)")
        // An empty body labelled gzip is an empty body, not a broken stream.
        let empty = try fixture.get("/card.gz-empty", fixture.bearer)
        #expect(empty.status == 200 && empty.body.isEmpty && empty.error.isEmpty, "\(empty.error)")
        let brotli = try fixture.get("/card.br", fixture.bearer)
        #expect(brotli.status == 502)
        #expect(brotli.text.contains("content coding &#39;br&#39;") && !brotli.text.contains("4111"), "\(brotli.text)")
        // A range of a compressed body cannot be decoded alone: refused, not cut off or passed on.
        let range = try fixture.get("/card.gz-range", fixture.bearer + ["-H", "Range: bytes=20-"])
        #expect(range.status == 502 && range.text.contains("range request") && !range.text.contains("4111"), "\(range.status) \(range.text)")
        // The access log counts the bytes the client received: the decoded page, not the upstream's gzip.
        #expect(eventually {
            fixture.gateway.log().contains("GET /card.gz 200 bytes_in=0 bytes_out=\(masked.utf8.count) ")
        }, "\(fixture.gateway.log())")
        let cut = try fixture.get("/card.gz-cut", fixture.bearer)
        #expect(!cut.text.contains("4111 1111 1111 1111") && !cut.error.isEmpty, "\(cut.status) \(cut.error)")
        // A decompression bomb (64 MiB from 64 KiB) is cut off, not queued for the client whole.
        let bomb = try fixture.get("/card.gz-bomb", fixture.bearer)
        #expect(!bomb.error.isEmpty && bomb.body.count < 32 << 20, "\(bomb.status) \(bomb.body.count) \(bomb.error)")
        #expect(eventually { fixture.gateway.log().contains("decompression bomb") })
        // The gateway is still serving, and tenants that turned tokenization off get the bytes as sent.
        #expect(try fixture.get("/card", fixture.bearer).status == 200)
        try GatewayFixture.check(fixture.gateway.cli("tenant", "set", "acme", "--tokenization", "off"))
        #expect(eventually(within: 5) { (try? fixture.get("/card.br", fixture.bearer).status) == 200 })
        #expect(fixture.gateway.log().contains("cannot be checked for card numbers"))
    }

    /// A card number in the URL path (as digits or as percent escapes) reaches the upstream as its
    /// token; logs show a path's card number masked, even for a tenant that turned tokenization off.
    @Test func cardNumbersInThePath() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        #expect(try fixture.get("/echo/customers/4111111111111111/charge", fixture.bearer).status == 200)
        #expect(try fixture.get("/echo/c%2Fd/%35%35%35%35555555554444?x=1", fixture.bearer).status == 200)
        let received = fixture.upstream.received.map(\.uri)
        #expect(received.count == 2)
        #expect(received.allSatisfy { !PANDetector.containsPAN($0) && !$0.contains("%35") }, "\(received)")
        #expect(received.first?.hasPrefix("/echo/customers/tok_") == true && received.first?.hasSuffix("_1111/charge") == true, "\(received)")
        #expect(received.last?.hasPrefix("/echo/c%2Fd/tok_") == true && received.last?.hasSuffix("_4444?x=1") == true, "\(received)")
        // Off: forwarded as sent (the operator's choice), but never written to the log.
        try GatewayFixture.check(fixture.gateway.cli("tenant", "set", "acme", "--tokenization", "off"))
        #expect(eventually(within: 5) {
            _ = try? fixture.get("/echo/customers/378282246310005", fixture.bearer)
            return fixture.upstream.received.last?.uri == "/echo/customers/378282246310005"
        })
        let log = fixture.gateway.log()
        #expect(!PANDetector.containsPAN(log))
        #expect(log.contains("/echo/customers/378282*****0005"))
    }

    /// Bodies that arrive over many reads (and one past the inline limit, tokenized off the event loop)
    /// are read whole before they are scanned: every card, wherever the TLS records cut it, reaches the
    /// upstream as a token, and every security code is gone.
    @Test(arguments: [40_000, 200_000])
    func bodiesArrivingInManyReadsAreScannedWhole(size: Int) throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        let scratch = TemporaryDirectory("gatehouse-bigbody")
        var items: [String] = []
        var length = 0
        while length < size {
            let index = items.count
            let item = "{\"n\":\(index),\"card\":\"\(Self.cards[index % Self.cards.count])\",\"cvv\":\"\(Self.securityCode)\",\"note\":\"\(String(repeating: "x", count: index % 50))\"}"
            items.append(item)
            length += item.utf8.count + 1
        }
        let path = scratch.path("body.json")
        try ("[" + items.joined(separator: ",") + "]").write(toFile: path, atomically: true, encoding: .utf8)
        let response = try fixture.get("/echo", fixture.bearer + ["-H", "Content-Type: application/json", "--data-binary", "@" + path])
        #expect(response.status == 200)
        let received = try #require(fixture.upstream.received.last).bodyText
        #expect(!PANDetector.containsPAN(received))
        #expect(!received.outsideTokens.contains("cvv") && !received.contains(Self.securityCode))
        #expect(received.components(separatedBy: "\"tok_").count - 1 == items.count)
        #expect((try? JSONSerialization.jsonObject(with: Data(received.utf8))) is [Any])
    }

    @Test func tenantSetRefusesBadSettings() throws {
        let gateway = RunningGateway()
        try GatewayFixture.check(gateway.cli("tenant", "create", "acme", "--upstream", "http://127.0.0.1:9"))
        let cases: [([String], String)] = [
            (["--card-processor", "http://pay.example.com/t"], "must use https"),
            (["--card-processor", "ftp://pay.example.com"], "scheme 'ftp'"),
            (["--card-processor", "not a url"], "not an absolute URL"),
            (["--tokenization", "maybe"], "--tokenization takes on or off"),
            (["--keep-bin", "2"], "--keep-bin takes on or off"),
            ([], "nothing to change"),
        ]
        for (arguments, message) in cases {
            let result = try gateway.gatehouse.run(["tenant", "set", "acme"] + arguments + ["--certificates", gateway.certificatesPath])
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let missing = try gateway.cli("tenant", "set", "nobody", "--tokenization", "off")
        #expect(missing.status == 1 && missing.stderr.contains("no tenant 'nobody'"))
        let show = try gateway.cli("tenant", "show", "acme")
        #expect(show.stdout.contains("card tokenization on, tokens keep last 4, processor none"))
        let set = try gateway.cli("tenant", "set", "acme", "--keep-bin", "yes", "--card-processor", "https://pay.example.com/tokenize")
        #expect(set.status == 0 && set.stdout.contains("BIN and last 4") && set.stdout.contains("https://pay.example.com/tokenize"))
    }
}

extension StringProtocol {
    /// The text with every card token (`tok_…`, `ptok_…`) cut down to `tok`: tokens are Base58 of a
    /// MAC with a random key, so by chance one may spell a security-code name or a number under test.
    var outsideTokens: String { replacingOccurrences(of: "tok_[1-9A-Za-z_]+", with: "tok", options: .regularExpression) }

    /// Whether `code` stands here as a word of its own: a port (`40427`), a temporary directory's hex
    /// name or a base64 key may hold its digits by chance, with letters or digits around them.
    func holdsWord(_ code: String) -> Bool {
        range(of: "(?<![0-9A-Za-z])\(code)(?![0-9A-Za-z])", options: .regularExpression) != nil
    }
}
