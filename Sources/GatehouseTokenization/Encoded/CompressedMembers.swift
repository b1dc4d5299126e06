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
    /// did inflate before they went wrong is read.
    static func each(in bytes: UnsafeRawBufferPointer, budget: ContentsBudget, _ body: (_ format: String, [UInt8]) throws -> Void) throws {
        guard bytes.count >= 18 else { return }
        var index = 0, falseStarts = 0
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
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
            let first = bytes[index]
            var contents: [UInt8]??
            var format = "gzip"
            if first == 0x1F, bytes[index + 1] == 0x8B, bytes[index + 2] == 0x08 {
                contents = try inflate(UnsafeRawBufferPointer(rebasing: bytes[index...]), .gzip, budget: budget)
            } else if first == 0x50, bytes[index + 1] == 0x4B, bytes[index + 2] == 0x03, bytes[index + 3] == 0x04,
                let data = try zipEntryData(bytes, header: index)
            {
                format = "ZIP"
                contents = try inflate(UnsafeRawBufferPointer(rebasing: bytes[data...]), .raw, budget: budget)
            }
            switch contents {
            case .some(.some(let inflated)): try body(format, inflated)
            case .some(.none):
                // Each try costs an inflater: bytes made of false starts are refused, not read for minutes.
                falseStarts += 1
                if falseStarts > mostFalseStarts { throw Unscannable.falseStarts }
            case .none: break
            }
            index += 1
        }
    }

    /// The most starts of compressed data that do not inflate, in one request.
    static let mostFalseStarts = 256

    /// Where a deflated ZIP entry's data starts; nil for a stored entry or a header cut off.
    private static func zipEntryData(_ bytes: UnsafeRawBufferPointer, header: Int) throws -> Int? {
        guard header + 30 <= bytes.count else { return nil }
        func field(_ offset: Int) -> UInt16 { UInt16(bytes[header + offset]) | UInt16(bytes[header + offset + 1]) << 8 }
        let flags = field(6), method = field(8)
        if flags & 1 != 0 { throw Unscannable.encrypted }
        switch method {
        case 0: return nil
        case 8: break
        default: throw Unscannable.method(method)
        }
        let data = header + 30 + Int(field(26)) + Int(field(28))
        return data < bytes.count ? data : nil
    }

    /// The contents of the stream at the start of `bytes`, up to where it ends or goes wrong; nil when
    /// nothing inflates (the bytes only looked like a start).
    private static func inflate(_ bytes: UnsafeRawBufferPointer, _ format: ZlibFormat, budget: ContentsBudget) throws -> [UInt8]? {
        var output: [UInt8] = []
        let limit = budget.remaining
        do {
            let inflater = try StreamingInflater(format, outputSize: 16 * 1024)
            try inflater.feed(bytes) { piece in
                guard output.count + piece.count <= limit else { throw Unscannable.tooLarge(limit: budget.total) }
                output.append(contentsOf: piece)
            }
        } catch is StreamingInflater.Corrupt {
            // Not (or no longer) compressed data: what came out before is read.
        }
        budget.remaining -= output.count
        return output.isEmpty ? nil : output
    }
}

/// How much decompressed data one request may still make: shared by every member read for it,
/// however deep, so neither one bomb nor many small ones can make the gateway inflate without end.
final class ContentsBudget {
    let total: Int
    var remaining: Int

    init(total: Int) {
        self.total = total
        remaining = total
    }
}
