import Foundation
import GatehouseCore

/// Text in UTF-16 or UTF-32 (declared, marked by a byte-order mark, told by its NUL bytes, or card
/// digits with NUL bytes between them). The rewriters read UTF-8, so such a body is decoded and
/// checked: with card data in it, it is refused; without, it goes on as it came.
enum WideText {
    private static let wideCharsets = ["utf-16", "utf16", "utf-32", "utf32", "ucs-2", "ucs2", "ucs-4", "ucs4"]

    /// The wide charset a body is in, or nil for UTF-8 and other byte-oriented text.
    /// `kind`: how the body is read (only text kinds are told by their NUL bytes).
    static func charset(of body: [UInt8], contentType: String?, kind: BodyKind) -> String? {
        guard !body.isEmpty else { return nil }
        if let contentType, contentType.utf8.contains(UInt8(ascii: ";")), let declared = declaredCharset(contentType),
           wideCharsets.contains(where: declared.hasPrefix)
        {
            return declared.uppercased()
        }
        if body[0] == 0x00 || body[0] >= 0xFE {
            if body.starts(with: [0x00, 0x00, 0xFE, 0xFF]) || body.starts(with: [0xFF, 0xFE, 0x00, 0x00]) { return "UTF-32" }
            if body.starts(with: [0xFE, 0xFF]) || body.starts(with: [0xFF, 0xFE]) { return "UTF-16" }
        }
        // Text without a byte-order mark, told by where its NUL bytes fall (RFC 4627 §3): JSON parsers
        // such as Jackson read it so. Only for text types: binary data may start with anything.
        if body.count >= 4, isText(contentType, kind: kind), let charset = charsetFromNULs(body[0..<4]) { return charset }
        let hasNUL = body.withUnsafeBytes { memchr($0.baseAddress!, 0, $0.count) != nil }
        return hasNUL && hasWideCardNumber(body) ? "UTF-16" : nil
    }

    /// The body as text, or nil when it does not decode as `charset` says.
    static func decode(_ body: [UInt8], charset: String) -> String? {
        let data = Data(body)
        let bigEndian = body.first == 0 || body.starts(with: [0xFE, 0xFF])
        if charset.hasPrefix("UTF-32") || charset.hasPrefix("UCS-4") || charset.hasPrefix("UTF32") || charset.hasPrefix("UCS4") {
            if body.starts(with: [0xFF, 0xFE, 0x00, 0x00]) || body.starts(with: [0x00, 0x00, 0xFE, 0xFF]) { return String(data: data, encoding: .utf32) }
            return String(data: data, encoding: bigEndian ? .utf32BigEndian : .utf32LittleEndian)
        }
        if body.starts(with: [0xFF, 0xFE]) || body.starts(with: [0xFE, 0xFF]) { return String(data: data, encoding: .utf16) }
        if charset.hasSuffix("LE") { return String(data: data, encoding: .utf16LittleEndian) }
        return String(data: data, encoding: bigEndian || charset.hasSuffix("BE") ? .utf16BigEndian : .utf16LittleEndian)
    }

    /// `00 00 00 xx` UTF-32BE, `00 xx 00 xx` UTF-16BE, `xx 00 00 00` UTF-32LE, `xx 00 xx 00` UTF-16LE.
    private static func charsetFromNULs(_ first: ArraySlice<UInt8>) -> String? {
        let start = first.startIndex
        switch (first[start] == 0, first[start + 1] == 0, first[start + 2] == 0, first[start + 3] == 0) {
        case (true, true, true, false), (false, true, true, true): return "UTF-32"
        case (true, false, true, false), (false, true, false, true): return "UTF-16"
        default: return nil
        }
    }

    /// JSON, XML, forms, multipart, text/*, or no type at all. Compared byte by byte: Foundation's
    /// `contains` took microseconds per request here.
    private static func isText(_ contentType: String?, kind: BodyKind) -> Bool {
        guard kind == .other, let contentType else { return true }
        return contentType.utf8.count >= 5 && zip(contentType.utf8, "text/".utf8).allSatisfy { $0.asciiLowercased == $1 }
    }

    /// The `charset` parameter, lowercased.
    static func declaredCharset(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingSpaces.lowercased() == "charset" else { continue }
            return pair[1].trimmingSpaces.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    /// A card number written in 2- or 4-byte units (either byte order, any alignment): runs of units
    /// that each hold one ASCII byte and NULs are read as ASCII and scanned.
    static func hasWideCardNumber(_ body: [UInt8]) -> Bool {
        for width in [2, 4] {
            for offset in 0..<width {
                var run: [UInt8] = []
                var index = offset
                while index + width <= body.count {
                    // One ASCII byte at either end of the unit, NULs elsewhere (no allocation per unit).
                    let first = body[index], last = body[index + width - 1]
                    var othersZero = true
                    for inner in index + 1..<index + width - 1 where body[inner] != 0 { othersZero = false }
                    let ascii: UInt8? = !othersZero ? nil
                        : first != 0 && last == 0 && first < 0x80 ? first : first == 0 && last != 0 && last < 0x80 ? last : nil
                    if let ascii {
                        run.append(ascii)
                    } else {
                        if run.count >= 13, run.withUnsafeBytes({ PANDetector.containsPAN($0) }) { return true }
                        run.removeAll(keepingCapacity: true)
                    }
                    index += width
                }
                if run.count >= 13, run.withUnsafeBytes({ PANDetector.containsPAN($0) }) { return true }
            }
        }
        return false
    }
}
