import Foundation
import GatehouseCore
import Testing

/// When backups are due: a full copy once a day inside its UTC window, frequent copies between.
struct BackupScheduleTests {
    let schedule = BackupSchedule(fullWindow: 0..<6, frequentInterval: 3_600)
    func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func aFullCopyOnceADayInsideTheWindow() {
        #expect(schedule.due(lastFull: nil, lastAny: nil, now: at("2026-11-30T14:00:00Z")) == .full)  // never backed up
        #expect(schedule.due(lastFull: at("2026-11-29T01:00:00Z"), lastAny: at("2026-11-30T00:30:00Z"), now: at("2026-11-30T02:00:00Z")) == .full)
        #expect(schedule.due(lastFull: at("2026-11-30T00:10:00Z"), lastAny: at("2026-11-30T00:10:00Z"), now: at("2026-11-30T00:40:00Z")) == nil)
    }

    @Test func frequentCopiesBetween() {
        let lastFull = at("2026-11-30T00:10:00Z")
        #expect(schedule.due(lastFull: lastFull, lastAny: at("2026-11-30T09:00:00Z"), now: at("2026-11-30T09:59:59Z")) == nil)
        #expect(schedule.due(lastFull: lastFull, lastAny: at("2026-11-30T09:00:00Z"), now: at("2026-11-30T10:00:00Z")) == .frequent)
        // Outside the window a missed full copy waits for the next window; frequent copies go on.
        #expect(schedule.due(lastFull: at("2026-11-28T00:10:00Z"), lastAny: at("2026-11-30T09:00:00Z"), now: at("2026-11-30T12:00:00Z")) == .frequent)
    }

    @Test func badSchedulesAreRefused() throws {
        for (window, minutes) in [("06-00", 60), ("24-25", 60), ("0006", 60), ("00-06", 1), ("00-06", 2_000), ("a-b", 60)] {
            #expect(throws: GatehouseError.self, "\(window) \(minutes)") { try BackupSchedule(window: window, frequentMinutes: minutes) }
        }
        #expect(try BackupSchedule(window: "22-24", frequentMinutes: 15).fullWindow == 22..<24)
    }

    @Test func namesAndExpiry() {
        let created = at("2026-11-30T00:05:09Z")
        #expect(Backup.fileName(createdAt: created, kind: .full) == "20261130T000509Z-full.sqlite.gz")
        let backup = Backup(
            id: 1, tenant: try! TenantPrefix("acme"), kind: .frequent, fileName: "x", sizeBytes: 1, sha256: "", createdAt: created)
        #expect(!backup.isExpired(at: at("2026-12-07T00:05:08Z")))
        #expect(backup.isExpired(at: at("2026-12-07T00:05:09Z")))
    }
}
