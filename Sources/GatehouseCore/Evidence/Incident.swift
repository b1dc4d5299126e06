import Foundation

/// An entry of the breach register PIPEDA s.10.3 requires: every breach of security safeguards,
/// whether or not it posed a real risk of significant harm, kept at least 24 months.
public struct Incident: Sendable, Hashable {
    public let id: Int64
    public let title: String
    public let detected: CalendarDay
    public let tenants: [TenantPrefix]
    /// The real-risk-of-significant-harm assessment; nil while it is not yet made.
    public let significantHarm: Bool?
    /// When the affected individuals and the Commissioner were notified, if they were.
    public let notified: CalendarDay?
    public let recordedAt: Date
    public let recordedBy: String

    public init(
        id: Int64, title: String, detected: CalendarDay, tenants: [TenantPrefix], significantHarm: Bool?,
        notified: CalendarDay?, recordedAt: Date, recordedBy: String
    ) {
        self.id = id
        self.title = title
        self.detected = detected
        self.tenants = tenants
        self.significantHarm = significantHarm
        self.notified = notified
        self.recordedAt = recordedAt
        self.recordedBy = recordedBy
    }

    /// How long the register keeps an entry (s.10.3 and the Regulations, s.6).
    public static let retentionMonths = 24

    /// Checks a new entry before anything is stored.
    public static func validate(title: String, detected: CalendarDay, notified: CalendarDay?, today: CalendarDay)
        throws(GatehouseError)
    {
        let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .invalidInput("the incident needs a title (--title \"what happened\")") }
        guard trimmed.count <= 200 else {
            throw .invalidInput("the title is \(trimmed.count) characters; keep it to 200 and put details in your ticket")
        }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidInput("the title contains control characters; use plain text on one line")
        }
        guard detected <= today else {
            throw .invalidInput("--detected \(detected) is in the future (today is \(today))")
        }
        if let notified {
            guard notified >= detected else {
                throw .invalidInput("--notified \(notified) is before --detected \(detected)")
            }
            guard notified <= today else { throw .invalidInput("--notified \(notified) is in the future (today is \(today))") }
        }
    }
}
