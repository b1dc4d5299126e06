import GatehouseCore

/// Card numbers the plain scan cannot see because the request carries them encoded: in base64 text
/// (a file or document embedded in JSON, a form value, a cookie) or in compressed data (a gzip or
/// ZIP upload, `.xlsx`), however the two nest. Such a number cannot be replaced by a token where it
/// is, so the request is refused; so is compressed data the gateway cannot read through.
public enum EncodedCardData {
    /// How many encodings deep the check reads (base64 of a gzip of base64…).
    static let deepest = 3
    /// The most decompressed data one request may make: 256 times its own size, at least 1 MiB and
    /// at most 1 GiB (a bigger archive is refused, not forwarded unread). Contents are read as they
    /// inflate; only the first 16 MiB of each member is held, to be read for encoded data inside.
    static func contentsLimit(forSize size: Int) -> Int {
        min(1 << 30, max(1 << 20, size.multipliedReportingOverflow(by: 256).partialValue))
    }

    /// Throws when `bytes` hold a card number in encoded data, or compressed data that cannot be read.
    /// `contentsLimit`: at most this much decompressed data (nil: what the size allows).
    public static func check(_ bytes: UnsafeRawBufferPointer, contentsLimit limit: Int? = nil) throws(CardRefusal) {
        guard bytes.count >= Base64Runs.shortest else { return }
        try check(bytes, budget: ContentsBudget(total: min(limit ?? .max, contentsLimit(forSize: bytes.count))))
    }

    private static func check(_ bytes: UnsafeRawBufferPointer, budget: ContentsBudget) throws(CardRefusal) {
        do {
            try read(bytes, depth: 1, budget: budget)
        } catch let found as Found {
            throw .encodedCardNumber(encoding: found.encoding)
        } catch CompressedMembers.Unscannable.tooLarge(let limit) {
            throw .contentsTooLarge(limitMiB: limit >> 20)
        } catch let unscannable as CompressedMembers.Unscannable {
            throw .unscannableContents(unscannable.reason)
        } catch {
            throw .unscannableContents("data the gateway could not read through")
        }
    }

    public static func check(_ bytes: [UInt8], contentsLimit limit: Int? = nil) throws(CardRefusal) {
        var refusal: CardRefusal?
        bytes.withUnsafeBytes { raw in
            do throws(CardRefusal) { try check(raw, contentsLimit: limit) } catch { refusal = error }
        }
        if let refusal { throw refusal }
    }

    /// The parts of a request other than its body (its target, header values), with one budget
    /// for them all: a header each cannot make a budget each.
    public static func check(_ texts: [String], contentsLimit limit: Int? = nil) throws(CardRefusal) {
        let long = texts.filter { $0.utf8.count >= Base64Runs.shortest }
        try check(eachOf: long.count, size: long.reduce(0) { $0 + $1.utf8.count }, contentsLimit: limit) { index, budget throws(CardRefusal) in
            var text = long[index], refusal: CardRefusal?
            text.withUTF8 { utf8 in
                do throws(CardRefusal) { try check(UnsafeRawBufferPointer(utf8), budget: budget) } catch { refusal = error }
            }
            if let refusal { throw refusal }
        }
    }

    /// A multipart body's decoded parts, read apart with one budget for them all.
    static func check(_ pieces: [[UInt8]], contentsLimit limit: Int? = nil) throws(CardRefusal) {
        let long = pieces.filter { $0.count >= Base64Runs.shortest }
        try check(eachOf: long.count, size: long.reduce(0) { $0 + $1.count }, contentsLimit: limit) { index, budget throws(CardRefusal) in
            var refusal: CardRefusal?
            long[index].withUnsafeBytes { bytes in
                do throws(CardRefusal) { try check(bytes, budget: budget) } catch { refusal = error }
            }
            if let refusal { throw refusal }
        }
    }

    private static func check(
        eachOf count: Int, size: Int, contentsLimit limit: Int?, _ read: (Int, ContentsBudget) throws(CardRefusal) -> Void
    ) throws(CardRefusal) {
        guard count > 0 else { return }
        let budget = ContentsBudget(total: min(limit ?? .max, contentsLimit(forSize: size)))
        for index in 0..<count { try read(index, budget) }
    }

    private struct Found: Error {
        let encoding: String
    }

    private static func read(_ bytes: UnsafeRawBufferPointer, depth: Int, budget: ContentsBudget) throws {
        try Base64Runs.each(in: bytes) { run in
            // A run may start with characters of the text before the data (`file=` glued on, a word):
            // it is read from each of its first four characters, one of which is where the data starts.
            // Read further: every reading where compressed data starts, and of the others the one that
            // looks most like text (the others are noise).
            var further: [[UInt8]] = [], text: (score: Int, decoded: [UInt8])?
            for offset in 0..<4 where run.count - offset >= Base64Runs.shortest {
                let decoded = Base64Runs.decode(run, from: offset)
                let score = try decoded.withUnsafeBytes { decoded in
                    if holdsCardNumber(decoded) { throw Found(encoding: "base64") }
                    return Base64Runs.dataLikeness(decoded)
                }
                if score == Int.max {
                    further.append(decoded)
                } else if let score, score > text?.score ?? -1 {
                    text = (score, decoded)
                }
            }
            guard depth < deepest else { return }
            // (At most one of each: crafted runs could make every reading look like data.)
            further = Array(further.prefix(1))
            if let text { further.append(text.decoded) }
            for decoded in further {
                try decoded.withUnsafeBytes { decoded in
                    // Python's and Java's deflaters write zlib streams, which have no magic to be found by.
                    if let contents = try CompressedMembers.zlibStream(nearStartOf: decoded, budget: budget) {
                        try readContents(contents, encoding: "zlib", depth: depth, budget: budget)
                    }
                    try read(decoded, depth: depth + 1, budget: budget)
                }
            }
        }
        try CompressedMembers.each(in: bytes, budget: budget) { format, contents in
            try readContents(contents, encoding: format, depth: depth, budget: budget)
        }
        try PDFStreams.each(in: bytes, budget: budget) { contents in
            try readContents(contents, encoding: "PDF", depth: depth, budget: budget)
        }
    }

    private static func readContents(_ contents: ContentsReader, encoding: String, depth: Int, budget: ContentsBudget) throws {
        if contents.holdsCardNumber { throw Found(encoding: encoding) }
        try contents.held.withUnsafeBytes { held in
            if mayBeUTF16(held), holdsStandaloneCardNumber(held.filter { $0 != 0 }) { throw Found(encoding: encoding) }
            // A PDF stream's strings: its drawn text as a viewer lays it out, a form field's value.
            if encoding == "PDF", holdsStandaloneCardNumber(PDFStreams.shownText(held)) { throw Found(encoding: encoding) }
            // An office document's XML: a number split into runs is read as its reader shows it.
            if DocumentText.mayBeXML(held), DocumentText.mayJoinNumbers(held), holdsStandaloneCardNumber(DocumentText.visibleText(held)) {
                throw Found(encoding: encoding)
            }
            if depth < deepest { try read(held, depth: depth + 1, budget: budget) }
        }
    }

    /// A card number standing on its own in decoded data (not inside a longer run of letters and
    /// digits: a hex ID in a SAML response or a JWT holds Luhn-valid digit runs by chance), read as
    /// UTF-16 too when the data looks like it (PowerShell's and Excel's "Unicode" text).
    static func holdsCardNumber(_ bytes: UnsafeRawBufferPointer) -> Bool {
        holdsStandaloneCardNumber(bytes) || (mayBeUTF16(bytes) && holdsStandaloneCardNumber(bytes.filter { $0 != 0 }))
    }

    private static func holdsStandaloneCardNumber(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { holdsStandaloneCardNumber($0) }
    }

    /// `openStart`, `openEnd`: the bytes are a piece of a longer text, whose neighbours at that end
    /// are unknown: a number touching it is not counted (the next reading sees it whole).
    static func holdsStandaloneCardNumber(_ bytes: UnsafeRawBufferPointer, openStart: Bool = false, openEnd: Bool = false) -> Bool {
        var found = false
        PANDetector.scan(bytes) { range, _, _ in
            if (openStart && range.lowerBound == 0) || (openEnd && range.upperBound == bytes.count) { return }
            let before = range.lowerBound > 0 ? bytes[range.lowerBound - 1] : 0x20
            let after = range.upperBound < bytes.count ? bytes[range.upperBound] : 0x20
            if !isAlphanumeric(before) && !isAlphanumeric(after) { found = true }
        }
        return found
    }

    @inline(__always)
    private static func isAlphanumeric(_ byte: UInt8) -> Bool { byte.isASCIILetter || byte.isASCIIDigit }

    /// A UTF-16 byte-order mark, or NUL in every other byte of the first 64 (ASCII text in UTF-16).
    static func mayBeUTF16(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 26 else { return false }
        if (bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF) { return true }
        let pairs = min(bytes.count, 64) / 2
        var evenNULs = 0, oddNULs = 0
        for pair in 0..<pairs {
            if bytes[2 * pair] == 0 { evenNULs += 1 }
            if bytes[2 * pair + 1] == 0 { oddNULs += 1 }
        }
        return max(evenNULs, oddNULs) * 4 >= pairs * 3
    }
}

extension CompressedMembers.Unscannable {
    /// What the request holds and what to do instead, for the client.
    var reason: String {
        switch self {
        case .encrypted:
            "The request holds a ZIP entry encrypted with a password, which the gateway cannot scan for card numbers; send it unencrypted."
        case .method(let method):
            "The request holds a ZIP entry compressed with method \(method), which the gateway cannot scan for card numbers; "
                + "only deflate and stored entries are read: create the archive with deflate."
        case .tooLarge(let limit):
            CardRefusal.contentsTooLarge(limitMiB: limit >> 20).description
        case .falseStarts:
            "The request holds more than \(CompressedMembers.mostFalseStarts) starts of gzip or ZIP data that do not decompress, "
                + "which the gateway does not read through; send the file as it is."
        }
    }
}
