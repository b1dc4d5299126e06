import Foundation

/// Lets a progress line through at most once per interval, so long scans and exports report on
/// standard error without flooding it.
struct ProgressThrottle {
    let interval: TimeInterval
    private var last: Date

    /// `startingNow`: the first line waits a whole interval (a quick run prints none).
    init(interval: TimeInterval = 2, startingNow: Bool = false) {
        self.interval = interval
        last = startingNow ? Date() : .distantPast
    }

    mutating func shouldReport(now: Date = Date()) -> Bool {
        guard now.timeIntervalSince(last) >= interval else { return false }
        last = now
        return true
    }
}
