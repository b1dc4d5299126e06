import GatehouseCompression

/// Compressed data inside a request: a gzip member (an upload of `orders.csv.gz`) or a ZIP entry
/// (`.zip`, and the spreadsheets and documents built on ZIP, `.xlsx`, `.docx`), found by their magic
/// bytes wherever they start, as a multipart part or a decoded base64 string carries them.
enum CompressedMembers {
    /// Why compressed data could not be read through.
    enum Unscannable: Error, Equatable {
        /// A ZIP entry encrypted with a password.
        case encrypted
        /// A ZIP entry compressed with a method other than deflate (or stored).
        case method(UInt16)
        /// The contents expand past the budget.
        case tooLarge(limit: Int)
        /// Many starts of compressed data that do not inflate, as only crafted bytes hold.
        case falseStarts
    }

    /// Calls `body` with the inflated contents of each member that starts in `bytes`. A stored ZIP
    /// entry's contents are in `bytes` as they are, so they are read with them. Bytes that only look
    /// like a member's start and do not inflate are not compressed data: they are skipped, and what
    /// did inflate before they went wrong is read. Reading moves on past the input a member took, so
    /// each byte is inflated once however many starts it holds.
    static func each(in bytes: UnsafeRawBufferPointer, budget: ContentsBudget, _ body: (_ format: String, ContentsReader) throws -> Void) throws {
        guard bytes.count >= 18, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var index = 0
        while index + 4 <= bytes.count {
            // Eight bytes at a time past those without a member's first byte.
            if index + 8 <= bytes.count {
                let word = ByteLanes.load(base + index)
                let firsts = ByteLanes.equal(word, to: 0x1F) | ByteLanes.equal(word, to: 0x50)
                guard firsts != 0 else {
                    index += 8
                    continue
                }
                index += ByteLanes.firstLane(firsts)
                guard index + 4 <= bytes.count else { break }
            }
            var start = index, format = "gzip", attempt: Inflated?
            let signature = signature(at: index, in: bytes)
            // gzip: the signature (deflate) and no reserved flag bits (RFC 1952 §2.3.1).
            if signature == .gzip, bytes[index + 3] & 0xE0 == 0 {
                attempt = try inflate(UnsafeRawBufferPointer(rebasing: bytes[index...]), .gzip, budget: budget)
            } else if signature == .zip, let data = try zipEntryData(bytes, header: index) {
                start = data
                format = "ZIP"
                attempt = try inflate(UnsafeRawBufferPointer(rebasing: bytes[data...]), .raw, budget: budget)
            }
            guard let attempt else {
                index += 1
                continue
            }
            if attempt.ended || attempt.produced > 0 {
                try body(format, attempt.contents)
                // On past the member (past what a cut-off one took): each byte is inflated once.
                index = max(index + 1, start + (attempt.ended ? attempt.consumedThroughEnd : attempt.consumed))
            } else {
                // A false start may have read far (a gzip name up to a NUL, an extra field): a member
                // may start inside what it read, so reading goes on from the next byte, and what it read
                // counts against the budget, as each try costs an inflater. Bytes made of false starts
                // are refused, not read for minutes.
                budget.falseStarts += 1
                budget.remaining -= attempt.consumed
                if budget.falseStarts > mostFalseStarts { throw Unscannable.falseStarts }
                index += 1
            }
        }
    }

    enum Signature {
        case gzip, zip
    }

    /// The member whose signature starts at `index`: a gzip member of deflate data, or a ZIP local header.
    static func signature(at index: Int, in bytes: UnsafeRawBufferPointer) -> Signature? {
        guard index + 3 <= bytes.count else { return nil }
        if bytes[index] == 0x1F, bytes[index + 1] == 0x8B, bytes[index + 2] == 0x08 { return .gzip }
        if index + 4 <= bytes.count, bytes[index] == 0x50, bytes[index + 1] == 0x4B, bytes[index + 2] == 0x03, bytes[index + 3] == 0x04 {
            return .zip
        }
        return nil
    }

    /// The most starts of compressed data that do not inflate, in one request.
    static let mostFalseStarts = 256

    /// The contents of a zlib stream (RFC 1950) that starts within the first four bytes (after the
    /// noise a glued-on prefix decodes to), as Python's and Java's deflaters write them; nil when none does.
    static func zlibStream(nearStartOf bytes: UnsafeRawBufferPointer, budget: ContentsBudget) throws -> ContentsReader? {
        for start in 0..<min(4, max(0, bytes.count - 8)) where isZlibHeader(bytes[start], bytes[start + 1]) {
            let attempt = try inflate(UnsafeRawBufferPointer(rebasing: bytes[start...]), .zlib, budget: budget)
            if attempt.ended || attempt.produced > 0 { return attempt.contents }
        }
        return nil
    }

    /// Deflate with a 32 KiB window, no preset dictionary, the check bits right (RFC 1950 §2.2).
    static func isZlibHeader(_ first: UInt8, _ second: UInt8) -> Bool {
        first == 0x78 && second & 0x20 == 0 && (UInt16(first) << 8 | UInt16(second)) % 31 == 0
    }

    /// Where the deflated data of the ZIP entry whose local header starts at `header` starts: nil for
    /// a header that is not plausible (version, name) or for a stored entry.
    private static func zipEntryData(_ bytes: UnsafeRawBufferPointer, header: Int) throws -> Int? {
        guard header + 30 <= bytes.count else { return nil }
        func field(_ offset: Int) -> UInt16 { UInt16(bytes[header + offset]) | UInt16(bytes[header + offset + 1]) << 8 }
        let version = field(4), flags = field(6), method = field(8), nameLength = Int(field(26))
        // ZIP 6.3 is the newest version a reader may need; an entry has a name, of printable bytes
        // (so random bytes that happen to hold the signature are not refused as an encrypted entry).
        guard version & 0xFF <= 63, nameLength > 0, nameLength <= 1024, header + 30 + nameLength <= bytes.count,
            bytes[(header + 30)..<(header + 30 + nameLength)].allSatisfy({ $0 >= 0x20 && $0 != 0x7F })
        else { return nil }
        if flags & 1 != 0 { throw Unscannable.encrypted }
        switch method {
        case 0: return nil
        case 8: break
        default: throw Unscannable.method(method)
        }
        let data = header + 30 + nameLength + Int(field(28))
        return data < bytes.count ? data : nil
    }

    private struct Inflated {
        var contents: ContentsReader
        var produced: Int
        /// Whether a stream came to its end (an empty file is one).
        var ended: Bool
        var consumed: Int
        var consumedThroughEnd: Int
    }

    /// The contents of the stream at the start of `bytes`, read as they come, up to where it ends or
    /// goes wrong.
    private static func inflate(_ bytes: UnsafeRawBufferPointer, _ format: ZlibFormat, budget: ContentsBudget) throws -> Inflated {
        var contents = ContentsReader(), produced = 0
        let limit = budget.remaining
        let inflater = try StreamingInflater(format, outputSize: 64 * 1024)
        do {
            try inflater.feed(bytes) { piece in
                produced += piece.count
                guard produced <= limit else { throw Unscannable.tooLarge(limit: budget.total) }
                contents.read(piece)
                if contents.holdsCardNumber { throw CardNumberFound() }
            }
        } catch is StreamingInflater.Corrupt {
            // Not (or no longer) compressed data: what came out before is read.
        } catch is CardNumberFound {
            // Found: no need to read on.
        }
        contents.finish()
        budget.remaining -= produced
        return Inflated(
            contents: contents, produced: produced, ended: inflater.streamsEnded > 0, consumed: inflater.consumed,
            consumedThroughEnd: inflater.consumedThroughLastEnd)
    }

    private struct CardNumberFound: Error {}
}

/// How much decompressed data one request may still make, and how many false starts it has made:
/// shared by every member read for it, however deep, so neither one bomb nor many small ones can
/// make the gateway inflate without end.
final class ContentsBudget {
    let total: Int
    var remaining: Int
    var falseStarts = 0

    init(total: Int) {
        self.total = total
        remaining = total
    }
}
