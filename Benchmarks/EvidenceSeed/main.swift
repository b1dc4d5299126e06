import Foundation
import GatehouseCore
import GatehouseStore

// Fills a data directory with a year-like audit log for the evidence benchmark: 10 tenants with
// databases, and N events spread over D days ending yesterday (UTC): sign-ins (a tenth failing),
// access denials, card tokenizations, user and credential changes, a backup per tenant per day and
// an hourly signed checkpoint, appended through the store's own audit log (hash chain and all).
//
//   evidence-seed <data-dir> <events> <days>
final class SeedClock: WallClock, @unchecked Sendable {
    var current: Date
    init(_ date: Date) { current = date }
    func now() -> Date { current }
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let total = Int(arguments[2]), let days = Int(arguments[3]), total > 0, days > 0 else {
    FileHandle.standardError.write(Data("usage: evidence-seed <data-dir> <events> <days>\n".utf8))
    exit(2)
}
let today = CalendarDay(Date()).start
let start = today.addingTimeInterval(-Double(days) * 86_400)
let clock = SeedClock(start.addingTimeInterval(-3600))
let store = try AppDatabase.open(DataDirectory(path: arguments[1]), clock: clock)
let tenants = try (0..<10).map { try TenantPrefix("tenant\($0)") }
for tenant in tenants {
    _ = try store.tenants.create(
        NewTenant(
            prefix: tenant, displayName: tenant.value, upstream: try UpstreamURL("http://127.0.0.1:9"), region: .caCentral,
            databasePath: "/srv/\(tenant.value).sqlite", expiresAt: today.addingTimeInterval(400 * 86_400)),
        by: .system("benchmark"))
    _ = try store.allowlists.add(try IPNetwork("10.\(tenants.firstIndex(of: tenant)!).0.0/16"), tenant: tenant, user: nil, by: .system("benchmark"))
}

let perDay = max(1, total / days)
let step = 86_400.0 / Double(perDay)
var generator = SystemRandomNumberGenerator()
var written = 0
var batch: [AuditEvent] = []
let began = Date()
for day in 0..<days {
    let dayStart = start.addingTimeInterval(Double(day) * 86_400)
    for (index, tenant) in tenants.enumerated() {
        batch.append(
            AuditEvent(
                time: dayStart.addingTimeInterval(3600 + Double(index)), actor: .system("scheduler"), tenant: tenant.value,
                action: AuditAction.backupRun, target: "backup-\(day).sqlite.gz", details: ["kind": "full", "bytes": "1048576"]))
    }
    for slot in 0..<perDay where written < total {
        let time = dayStart.addingTimeInterval(Double(slot) * step)
        let tenant = tenants[Int(generator.next() % 10)]
        let user = "\(tenant.value).user\(generator.next() % 50)"
        let ip = "10.\(generator.next() % 10).\(generator.next() % 256).\(generator.next() % 256)"
        let roll = generator.next() % 100
        let event: AuditEvent
        switch roll {
        case 0..<63: event = AuditEvent(time: time, actor: .user(user), tenant: tenant.value, sourceIP: ip, action: AuditAction.authentication, target: "\(tenant.value).example.test", details: ["method": "token"])
        case 63..<70: event = AuditEvent(time: time, actor: .anonymous, tenant: tenant.value, sourceIP: ip, action: AuditAction.authentication, target: "\(tenant.value).example.test", outcome: .failure, details: ["method": "password", "reason": "wrong credential"])
        case 70..<80: event = AuditEvent(time: time, actor: .anonymous, tenant: tenant.value, sourceIP: ip, action: AuditAction.accessDenied, target: "\(tenant.value).example.test", outcome: .denied, details: ["reason": "address not on the allowlist", "path": "/"])
        case 80..<97: event = AuditEvent(time: time, actor: .user(user), tenant: tenant.value, sourceIP: ip, action: AuditAction.cardTokenized, target: "\(tenant.value).example.test", details: ["fields": "1", "security_codes_removed": "1", "processor": "no"])
        case 97: event = AuditEvent(time: time, actor: .cli("ops"), tenant: tenant.value, action: AuditAction.userAdd, target: user, details: ["roles": "user"])
        case 98: event = AuditEvent(time: time, actor: .cli("ops"), tenant: tenant.value, action: AuditAction.passwordSet, target: user)
        default: event = AuditEvent(time: time, actor: .system("defender"), tenant: tenant.value, sourceIP: ip, action: AuditAction.ban, target: ip, outcome: .denied, details: ["failures": "10"])
        }
        batch.append(event)
        written += 1
        if batch.count >= 5000 {
            try await store.audit.record(batch)
            batch.removeAll(keepingCapacity: true)
        }
    }
    try await store.audit.record(batch)
    batch.removeAll(keepingCapacity: true)
    clock.current = dayStart.addingTimeInterval(86_399)
    try store.audit.checkpoint(by: .system("benchmark"))
    if day % 30 == 29 { print("day \(day + 1): \(written) events, \(Int(Date().timeIntervalSince(began)))s") }
}
print("done: \(written) events over \(days) days, \(Int(Date().timeIntervalSince(began)))s")
