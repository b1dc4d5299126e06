import Foundation
import GatehouseCore
import Testing

struct SubscriptionTests {
    let expiry = Date(timeIntervalSince1970: 1_800_000_000)
    let day: TimeInterval = 86_400
    let ms: TimeInterval = 0.001

    @Test func activeUntilTheExpiryInstant() {
        let subscription = Subscription(expiresAt: expiry)
        #expect(subscription.state(at: expiry - ms) == .active)
        #expect(subscription.mayUseApplication(at: expiry - ms))
        #expect(subscription.state(at: expiry) == .suspended)
        #expect(!subscription.mayUseApplication(at: expiry))
    }

    @Test func backupsDownloadableForTenDaysAfterSuspension() {
        let subscription = Subscription(expiresAt: expiry)
        #expect(subscription.mayDownloadBackups(at: expiry - day))
        #expect(subscription.mayDownloadBackups(at: expiry + 10 * day - ms))
        #expect(!subscription.mayDownloadBackups(at: expiry + 10 * day))
        #expect(subscription.state(at: expiry + 10 * day) == .suspended)
    }

    @Test func purgedThirtyDaysAfterExpiry() {
        let subscription = Subscription(expiresAt: expiry)
        #expect(subscription.state(at: expiry + 30 * day - ms) == .suspended)
        #expect(!subscription.mayPurge(at: expiry + 30 * day - ms))
        #expect(subscription.state(at: expiry + 30 * day) == .purged)
        #expect(subscription.mayPurge(at: expiry + 30 * day))
        #expect(subscription.purgeAt == expiry + 30 * day)
    }

    @Test func manualSuspensionStartsTheClocksEarly() throws {
        let now = expiry - 100 * day
        let suspended = try Subscription(expiresAt: expiry).suspended(at: now)
        #expect(suspended.state(at: now) == .suspended)
        #expect(suspended.mayDownloadBackups(at: now + 10 * day - ms))
        #expect(!suspended.mayDownloadBackups(at: now + 10 * day))
        #expect(suspended.mayPurge(at: now + 30 * day))
        #expect(throws: GatehouseError.self) { try suspended.suspended(at: now + day) }
    }

    @Test func resumeWhileSuspendedOnly() throws {
        let now = expiry - 100 * day
        #expect(throws: GatehouseError.self) { try Subscription(expiresAt: expiry).resumed(at: now, newExpiry: nil) }
        let suspended = try Subscription(expiresAt: expiry).suspended(at: now)
        let resumed = try suspended.resumed(at: now + day, newExpiry: nil)
        #expect(resumed.state(at: now + day) == .active)
        #expect(resumed.suspendedAt == nil)
    }

    @Test func resumingAnExpiredSubscriptionNeedsAFutureExpiry() throws {
        let subscription = Subscription(expiresAt: expiry)
        let error = #expect(throws: GatehouseError.self) { try subscription.resumed(at: expiry + day, newExpiry: nil) }
        #expect(error?.message.contains("--expires") == true)
        #expect(throws: GatehouseError.self) { try subscription.resumed(at: expiry + day, newExpiry: expiry + day) }
        let renewed = try subscription.resumed(at: expiry + day, newExpiry: expiry + 365 * day)
        #expect(renewed.state(at: expiry + day) == .active)
    }

    @Test func noResumeAfterThePurgeDate() {
        let error = #expect(throws: GatehouseError.self) {
            try Subscription(expiresAt: expiry).resumed(at: expiry + 30 * day, newExpiry: expiry + 400 * day)
        }
        #expect(error?.kind == .refused)
    }
}
