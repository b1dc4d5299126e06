import Foundation
import GatehouseCore
import Testing

struct DefenderTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let ip = try! IPAddress("198.51.100.7")
    let other = try! IPAddress("198.51.100.8")

    func configuration() -> DefenderConfiguration {
        var configuration = DefenderConfiguration()
        configuration.window = 600
        configuration.threshold = 5
        configuration.banDuration = 900
        configuration.banIncrement = 0.5
        configuration.maximumBan = 3600
        return configuration
    }

    @Test func bansAtTheThresholdAndNotBefore() {
        var defender = Defender(configuration: configuration())
        for second in 0..<4 {
            #expect(defender.record(.wrongCredential, from: ip, at: start + Double(second)) == .allowed)
        }
        #expect(defender.admit(ip, at: start + 4) == .allowed)
        #expect(defender.record(.wrongCredential, from: ip, at: start + 5) == .banned(until: start + 5 + 900))
        #expect(defender.status(of: other, at: start + 5) == .allowed)
    }

    @Test func unknownUsersScoreDouble() {
        var defender = Defender(configuration: configuration())
        defender.record(.unknownUser, from: ip, at: start)
        defender.record(.unknownUser, from: ip, at: start + 1)
        #expect(defender.status(of: ip, at: start + 1) == .allowed)
        #expect(defender.record(.wrongCredential, from: ip, at: start + 2) == .banned(until: start + 2 + 900))
    }

    @Test func scoresOutsideTheWindowExpire() {
        var defender = Defender(configuration: configuration())
        for second in 0..<4 { defender.record(.wrongCredential, from: ip, at: start + Double(second)) }
        // The first four failures are older than the 600 s window by now.
        #expect(defender.record(.wrongCredential, from: ip, at: start + 604) == .allowed)
        #expect(defender.status(of: ip, at: start + 604) == .allowed)
    }

    @Test func banEndsAfterItsDuration() {
        var defender = Defender(configuration: configuration())
        for second in 0..<5 { defender.record(.wrongCredential, from: ip, at: start + Double(second)) }
        #expect(defender.admit(ip, at: start + 4 + 899) != .allowed)
        var fresh = Defender(configuration: configuration())
        for second in 0..<5 { fresh.record(.wrongCredential, from: ip, at: start + Double(second)) }
        #expect(fresh.status(of: ip, at: start + 4 + 900) == .allowed)
        #expect(fresh.admit(ip, at: start + 4 + 900) == .allowed)
    }

    @Test func eachAttemptWhileBannedLengthensTheBan() {
        var defender = Defender(configuration: configuration())
        for second in 0..<5 { defender.record(.wrongCredential, from: ip, at: start + Double(second)) }
        let firstEnd = start + 4 + 900
        #expect(defender.admit(ip, at: start + 10) == .banned(until: firstEnd + 450))
        #expect(defender.admit(ip, at: start + 11) == .banned(until: firstEnd + 900))
        // A failure reported while banned also lengthens it.
        #expect(defender.record(.wrongCredential, from: ip, at: start + 12) == .banned(until: firstEnd + 1350))
    }

    @Test func banNeverExceedsTheMaximum() {
        var defender = Defender(configuration: configuration())
        for second in 0..<5 { defender.record(.wrongCredential, from: ip, at: start + Double(second)) }
        var last = Defender.Status.allowed
        for attempt in 0..<100 { last = defender.admit(ip, at: start + 20 + Double(attempt)) }
        #expect(last == .banned(until: start + 119 + 3600))
    }

    @Test func aSuccessfulLoginDoesNotWipeTheScore() {
        // An attacker holding one valid account must not reset the count by mixing in good logins:
        // there is no "success" input at all, only failures age out of the window.
        var defender = Defender(configuration: configuration())
        for second in 0..<5 { defender.record(.wrongCredential, from: ip, at: start + Double(second)) }
        #expect(defender.status(of: ip, at: start + 10) != .allowed)
        defender.unban(ip)
        #expect(defender.status(of: ip, at: start + 10) == .allowed)
    }

    @Test func ipv6IsScoredPerSlash64() throws {
        var defender = Defender(configuration: configuration())
        for index in 0..<5 {
            defender.record(.wrongCredential, from: try IPAddress("2001:db8:1:2::\(index + 1)"), at: start + Double(index))
        }
        #expect(defender.status(of: try IPAddress("2001:db8:1:2:ffff::9"), at: start + 5) != .allowed)
        #expect(defender.status(of: try IPAddress("2001:db8:1:3::1"), at: start + 5) == .allowed)
        #expect(Defender.hostKey(for: try IPAddress("10.1.2.3")) == (try IPAddress("10.1.2.3")))
    }

    @Test func evictionKeepsBannedHosts() {
        var configuration = configuration()
        configuration.maximumTrackedHosts = 50
        var defender = Defender(configuration: configuration)
        for second in 0..<5 { defender.record(.wrongCredential, from: ip, at: start + Double(second)) }
        for index in 0..<500 {
            defender.record(.wrongCredential, from: IPAddress(v4: [10, 1, UInt8(index / 256), UInt8(index % 256)]), at: start + 10)
        }
        #expect(defender.trackedHostCount <= 50)
        #expect(defender.status(of: ip, at: start + 10) != .allowed)
    }

    @Test func trackedHostsAreBounded() throws {
        var configuration = configuration()
        configuration.maximumTrackedHosts = 100
        var defender = Defender(configuration: configuration)
        for index in 0..<1000 {
            let address = IPAddress(v4: [10, 0, UInt8(index / 256), UInt8(index % 256)])
            defender.record(.wrongCredential, from: address, at: start + Double(index))
        }
        #expect(defender.trackedHostCount <= 100)
    }

    @Test func configurationIsValidated() {
        var bad = DefenderConfiguration()
        bad.threshold = 0
        #expect(throws: GatehouseError.self) { try bad.validate() }
        var bad2 = DefenderConfiguration()
        bad2.maximumBan = 1
        #expect(throws: GatehouseError.self) { try bad2.validate() }
        #expect(throws: Never.self) { try DefenderConfiguration().validate() }
    }
}

struct AccessPolicyTests {
    let alice = User(
        id: 1, scope: .tenant(try! TenantPrefix("acme")), name: try! UserName("alice"), roles: [.user], createdAt: Date(),
        disabledAt: nil)
    let allowlist = Allowlist(tenantRules: [try! IPNetwork("10.0.0.0/8")])
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var active: Subscription { Subscription(expiresAt: now.addingTimeInterval(86_400)) }

    /// Counts how often the credential was looked at.
    final class Probe: @unchecked Sendable { var calls = 0 }

    @Test func outsideTheAllowlistNoCredentialIsChecked() async throws {
        let probe = Probe()
        let decision = await AccessPolicy.decide(
            source: try IPAddress("192.0.2.1"), subscription: active, at: now, allowlist: allowlist, banStatus: .allowed, required: .useApplication
        ) {
            probe.calls += 1
            return .verified(alice)
        }
        #expect(decision == .deniedByAllowlist)
        #expect(probe.calls == 0)
    }

    @Test func bannedHostsAreRefusedBeforeTheCredential() async throws {
        let probe = Probe()
        let until = Date(timeIntervalSince1970: 2_000_000_000)
        let decision = await AccessPolicy.decide(
            source: try IPAddress("10.1.1.1"), subscription: active, at: now, allowlist: allowlist, banStatus: .banned(until: until),
            required: .useApplication
        ) {
            probe.calls += 1
            return .verified(alice)
        }
        #expect(decision == .banned(until: until))
        #expect(probe.calls == 0)
    }

    @Test func orderAfterTheCredential() async throws {
        let source = try IPAddress("10.1.1.1")
        func decide(_ outcome: CredentialOutcome, _ permission: Permission = .useApplication, _ list: Allowlist? = nil) async -> AccessDecision {
            await AccessPolicy.decide(source: source, subscription: active, at: now, allowlist: list ?? allowlist, banStatus: .allowed, required: permission) { outcome }
        }
        #expect(await decide(.verified(alice)) == .allowed(alice))
        #expect(await decide(.wrongCredential) == .unauthenticated(.wrongCredential))
        #expect(await decide(.unknownUser) == .unauthenticated(.unknownUser))
        #expect(await decide(.missing) == .unauthenticated(.missing))
        #expect(await decide(.verified(alice), .downloadBackups) == .forbidden(missing: .downloadBackups))
        var disabled = alice
        disabled.disabledAt = Date()
        #expect(await decide(.verified(disabled)) == .disabledUser)
        let narrowed = Allowlist(
            tenantRules: [try IPNetwork("10.0.0.0/8")], userRules: [alice.name: [try IPNetwork("10.9.0.0/16")]])
        #expect(await decide(.verified(alice), .useApplication, narrowed) == .deniedByAllowlist)
    }

    @Test func theTenantLifecycleComesFirst() async throws {
        let probe = Probe()
        let expired = Subscription(expiresAt: now.addingTimeInterval(-86_400))
        func decide(_ permission: Permission, _ subscription: Subscription) async throws -> AccessDecision {
            await AccessPolicy.decide(
                source: try IPAddress("10.1.1.1"), subscription: subscription, at: now, allowlist: allowlist,
                banStatus: .allowed, required: permission
            ) {
                probe.calls += 1
                return .verified(alice)
            }
        }
        #expect(try await decide(.useApplication, expired) == .tenantUnavailable(.suspended))
        #expect(probe.calls == 0)
        var backup = alice
        backup.roles = [.backup]
        let decision = await AccessPolicy.decide(
            source: try IPAddress("10.1.1.1"), subscription: expired, at: now, allowlist: allowlist, banStatus: .allowed,
            required: .downloadBackups
        ) { .verified(backup) }
        #expect(decision == .allowed(backup))
        let purged = Subscription(expiresAt: now.addingTimeInterval(-31 * 86_400))
        #expect(try await decide(.downloadBackups, purged) == .tenantUnavailable(.purged))
        #expect(try await decide(.manageUsers, purged) == .tenantUnavailable(.purged))
        #expect(probe.calls == 0)
    }

    @Test func defenderEventsFollowDecisions() {
        #expect(AccessPolicy.defenderEvent(for: .unauthenticated(.unknownUser)) == .unknownUser)
        #expect(AccessPolicy.defenderEvent(for: .unauthenticated(.wrongCredential)) == .wrongCredential)
        #expect(AccessPolicy.defenderEvent(for: .deniedByAllowlist) == .deniedByAllowlist)
        #expect(AccessPolicy.defenderEvent(for: .unauthenticated(.missing)) == nil)
        #expect(AccessPolicy.defenderEvent(for: .allowed(alice)) == nil)
    }
}
