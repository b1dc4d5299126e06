import Foundation

/// Text in UTF-16 or UTF-32 (declared, marked by a byte-order mark, or card digits with NUL bytes
/// between them): the detector reads ASCII digits, so such a body is refused, never forwarded unread.
enum WideText {
    private static let wideCharsets = ["utf-16", "utf16", "utf-32", "utf32", "ucs-2", "ucs2", "ucs-4", "ucs4"]

    /// The wide charset a body is in, or nil for UTF-8 and other byte-oriented text.
    static func charset(of body: [UInt8], contentType: String?) -> String? {
        guard !body.isEmpty else { return nil }
        if let contentType, contentType.utf8.contains(UInt8(ascii: ";")), let declared = declaredCharset(contentType),
           wideCharsets.contains(where: declared.hasPrefix)
        {
            return declared.uppercased()
        }
        if body.starts(with: [0x00, 0x00, 0xFE, 0xFF]) || body.starts(with: [0xFF, 0xFE, 0x00, 0x00]) { return "UTF-32" }
        if body.starts(with: [0xFE, 0xFF]) || body.starts(with: [0xFF, 0xFE]) { return "UTF-16" }
        let hasNUL = body.withUnsafeBytes { memchr($0.baseAddress!, 0, $0.count) != nil }
        return hasNUL && hasWideCardNumber(body) ? "UTF-16" : nil
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
                    let unit = body[index..<index + width]
                    let nonZero = unit.filter { $0 != 0 }
                    if nonZero.count == 1, nonZero[0] < 0x80, unit.first == nonZero[0] || unit.last == nonZero[0] {
                        run.append(nonZero[0])
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
