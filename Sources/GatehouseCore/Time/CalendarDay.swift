import Foundation

/// A UTC calendar day written as `YYYY-MM-DD`, the only date format the CLI accepts.
public struct CalendarDay: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Parses `YYYY-MM-DD`, rejecting impossible dates such as 2026-02-30.
    public init(parsing text: String) throws(GatehouseError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else {
            throw .invalidInput("date '\(text)' is not in YYYY-MM-DD form (for example 2027-01-31)")
        }
        guard (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day), year >= 1970 else {
            throw .invalidInput("date '\(text)' does not exist in the calendar")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    public init(_ date: Date) {
        let parts = Self.calendar.dateComponents([.year, .month, .day], from: date)
        self.year = parts.year!
        self.month = parts.month!
        self.day = parts.day!
    }

    /// The day an expiry instant closes: the last day still valid before `instant`.
    /// (`--expires 2027-06-30` means valid through that day; its instant is 2027-07-01T00:00Z.)
    public init(through instant: Date) {
        self.init(instant.addingTimeInterval(-0.001))
    }

    /// Midnight UTC at the end of this day: the instant an expiry given as this day takes effect.
    public var end: Date { start.addingTimeInterval(86_400) }

    /// Midnight UTC at the start of this day.
    public var start: Date {
        Self.calendar.date(from: DateComponents(year: year, month: month, day: day))!
    }

    public var description: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension Date {
    /// ISO 8601 in UTC with seconds, e.g. `2026-11-30T17:04:05Z`; the one timestamp format Gatehouse prints.
    public var iso8601: String {
        formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
    }
}
