import Foundation

/// An audit period: whole UTC days, `from` through `to` inclusive, as auditors state them.
public struct EvidencePeriod: Hashable, Sendable, CustomStringConvertible {
    public let from: CalendarDay
    public let to: CalendarDay

    /// The longest period one bundle covers; a SOC report period is at most a year, with room for a
    /// gap between reports.
    public static let maximumDays = 800

    public init(from: CalendarDay, to: CalendarDay) throws(GatehouseError) {
        guard from <= to else {
            throw .invalidInput("the period ends (\(to)) before it starts (\(from)); give --from before --to")
        }
        let days = Int((to.start.timeIntervalSince(from.start) / 86_400).rounded()) + 1
        guard days <= Self.maximumDays else {
            throw .invalidInput("the period \(from) to \(to) spans \(days) days; export at most \(Self.maximumDays) days at a time")
        }
        self.from = from
        self.to = to
    }

    /// Midnight UTC at the start of `from`.
    public var start: Date { from.start }
    /// Midnight UTC after `to`: the period is [start, end).
    public var end: Date { to.end }

    /// Every day of the period, in order.
    public var days: [CalendarDay] {
        stride(from: start.timeIntervalSince1970, to: end.timeIntervalSince1970, by: 86_400)
            .map { CalendarDay(Date(timeIntervalSince1970: $0)) }
    }

    public var description: String { "\(from) to \(to)" }
}
