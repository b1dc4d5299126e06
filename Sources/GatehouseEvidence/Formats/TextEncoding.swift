import Foundation
import GatehouseCore

/// CSV as RFC 4180: fields with a comma, quote, CR or LF are quoted, quotes doubled; CRLF line ends.
enum CSV {
    static func line(_ fields: [String]) -> String {
        var out = ""
        for (index, field) in fields.enumerated() {
            if index > 0 { out += "," }
            if field.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
                out += "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            } else {
                out += field
            }
        }
        return out + "\r\n"
    }
}

/// JSON string literals, for the hand-written JSON Lines of the audit segment.
enum JSONText {
    static func quote(_ text: String) -> String { JSONStringLiteral.quote(text) }

    static func quote(_ text: String?) -> String { text.map { quote($0) } ?? "null" }

    /// Sorted keys, no whitespace, slashes unescaped: byte-stable for the same values.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return encoder
    }()
}

/// HTML text escaping for report.html.
enum HTML {
    static func escape(_ text: String) -> String { HTMLEscaping.escape(text) }
}

/// Parses the `2026-03-01T02:00:00.123Z` timestamps the populations carry.
enum ISO8601Millis {
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 24, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54, bytes[13] == 0x3A, bytes[16] == 0x3A,
              bytes[19] == 0x2E, bytes[23] == 0x5A
        else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), let second = number(17..<19), let millis = number(20..<23)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
        else { return nil }
        return date.addingTimeInterval(Double(millis) / 1000)
    }
}
