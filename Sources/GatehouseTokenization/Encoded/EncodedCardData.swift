import GatehouseCore

/// Card numbers the plain scan cannot see because the request carries them encoded: in base64 text
/// (a file or document embedded in JSON, a form value, a cookie) or in compressed data (a gzip or
/// ZIP upload, `.xlsx`), however the two nest. Such a number cannot be replaced by a token where it
/// is, so the request is refused; so is compressed data the gateway cannot read through.
public enum EncodedCardData {
    /// How many encodings deep the check reads (base64 of a gzip of base64…).
    static let deepest = 3
    /// The most decompressed data one request may make: 256 times its own size, at least 1 MiB and
    /// at most 64 MiB (a bigger archive is refused, not forwarded unread).
    static func contentsLimit(forSize size: Int) -> Int {
        min(64 << 20, max(1 << 20, size.multipliedReportingOverflow(by: 256).partialValue))
    }

    /// Throws when `bytes` hold a card number in encoded data, or compressed data that cannot be read.
    public static func check(_ bytes: UnsafeRawBufferPointer) throws(CardRefusal) {
        guard bytes.count >= Base64Runs.shortest else { return }
        do {
            try read(bytes, depth: 1, budget: ContentsBudget(total: contentsLimit(forSize: bytes.count)))
        } catch let found as Found {
            throw .encodedCardNumber(encoding: found.encoding)
        } catch let unscannable as CompressedMembers.Unscannable {
            throw .unscannableContents(unscannable.reason)
        } catch {
            throw .unscannableContents("data the gateway could not read through")
        }
    }

    public static func check(_ bytes: [UInt8]) throws(CardRefusal) {
        var refusal: CardRefusal?
        bytes.withUnsafeBytes { raw in
            do throws(CardRefusal) { try check(raw) } catch { refusal = error }
        }
        if let refusal { throw refusal }
    }

    public static func check(_ text: String) throws(CardRefusal) {
        guard text.utf8.count >= Base64Runs.shortest else { return }
        var text = text, refusal: CardRefusal?
        text.withUTF8 { utf8 in
            do throws(CardRefusal) { try check(UnsafeRawBufferPointer(utf8)) } catch { refusal = error }
        }
        if let refusal { throw refusal }
    }

    private struct Found: Error {
        let encoding: String
    }

    private static func read(_ bytes: UnsafeRawBufferPointer, depth: Int, budget: ContentsBudget) throws {
        try Base64Runs.each(in: bytes) { run in
            // A run may start with characters of the text before the data (`file=` glued on, a word):
            // it is read from each of its first four characters, one of which is where the data starts.
            for offset in 0..<4 where run.count - offset >= Base64Runs.shortest {
                try Base64Runs.decode(run, from: offset).withUnsafeBytes { decoded in
                    if PANDetector.containsPAN(decoded) { throw Found(encoding: "base64") }
                    if depth < deepest, Base64Runs.mayHoldMore(decoded) { try read(decoded, depth: depth + 1, budget: budget) }
                }
            }
        }
        try CompressedMembers.each(in: bytes, budget: budget) { format, contents in
            try contents.withUnsafeBytes { inflated in
                if PANDetector.containsPAN(inflated) { throw Found(encoding: format) }
                if depth < deepest { try read(inflated, depth: depth + 1, budget: budget) }
            }
        }
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
            "The request holds compressed data that expands past \(limit >> 20) MiB, more than the gateway scans for card numbers "
                + "in one request; send it uncompressed or in smaller parts."
        case .falseStarts:
            "The request holds more than \(CompressedMembers.mostFalseStarts) starts of gzip or ZIP data that do not decompress, "
                + "which the gateway does not read through; send the file as it is."
        }
    }
}
