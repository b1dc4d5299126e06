import Foundation
import GatehouseCore
import Testing

struct AuditEventTests {
    let time = Date(timeIntervalSince1970: 1_800_000_000.123)

    @Test func canonicalBytesAreStableAndCoverEveryField() {
        let event = AuditEvent(
            time: time, actor: .cli("root"), tenant: "acme", sourceIP: "10.0.0.1", action: "user.add",
            target: "acme.alice", details: ["roles": "admin", "b": "2"])
        let bytes = event.canonicalBytes(sequence: 7)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text == """
            gatehouse-audit-v1
            3:seq=1:7
            4:time=13:1800000000123
            5:actor=8:cli:root
            6:tenant=4:acme
            6:source=8:10.0.0.1
            6:action=8:user.add
            6:target=10:acme.alice
            7:outcome=7:success
            8:detail.b=1:2
            12:detail.roles=5:admin

            """)
        var changed = event
        changed.outcome = .denied
        #expect(changed.canonicalBytes(sequence: 7) != bytes)
        #expect(event.canonicalBytes(sequence: 8) != bytes)
        var moved = event
        moved.target = nil
        #expect(moved.canonicalBytes(sequence: 7) != bytes)
    }

    @Test func lengthPrefixesMakeFieldsUnambiguous() {
        // Without a length on each name, one forged key could stand for two real details.
        let real = AuditEvent(time: time, actor: .cli("a"), action: "tenant.delete", details: ["forced": "true", "users": "3"])
        let forged = AuditEvent(time: time, actor: .cli("a"), action: "tenant.delete", details: ["forced=4:true\ndetail.users": "3"])
        #expect(real.canonicalBytes(sequence: 1) != forged.canonicalBytes(sequence: 1))
        let value = AuditEvent(time: time, actor: .cli("a"), action: "x", details: ["k": "v\n8:detail.z=1:y"])
        let split = AuditEvent(time: time, actor: .cli("a"), action: "x", details: ["k": "v", "z": "y"])
        #expect(value.canonicalBytes(sequence: 1) != split.canonicalBytes(sequence: 1))
    }

    @Test func secretsAreRedactedOnTheWayIn() {
        let event = AuditEvent(
            time: time, actor: .anonymous, action: "auth.login",
            details: [
                "password": "hunter2hunter2", "reason": "wrong password", "card": "x", "note": "4111 1111 1111 1111",
                "header": "Bearer gh_abc", "key_fingerprint": "SHA256:abc", "count": "3",
            ])
        #expect(event.details["password"] == "[redacted]")
        #expect(event.details["card"] == "[redacted]")
        #expect(event.details["note"] == "[redacted]")
        #expect(event.details["header"] == "[redacted]")
        #expect(event.details["reason"] == "wrong password")
        #expect(event.details["key_fingerprint"] == "SHA256:abc")
        #expect(event.details["count"] == "3")
    }

    @Test func actorsDescribeThemselves() {
        #expect(AuditActor.user("acme.alice").description == "user:acme.alice")
        #expect(AuditActor.system("audit").description == "system:audit")
        #expect(AuditActor.anonymous.description == "anonymous")
    }

    /// The format as first written (string interpolation per field): stored chains were hashed over
    /// these bytes, so the faster writer must produce exactly them.
    static func referenceCanonicalBytes(_ event: AuditEvent, sequence: Int64) -> [UInt8] {
        var out = Array("gatehouse-audit-v1\n".utf8)
        func field(_ name: String, _ value: String?) {
            let bytes = value.map { Array($0.utf8) }
            out += Array("\(name.utf8.count):\(name)=".utf8)
            if let bytes { out += Array("\(bytes.count):".utf8) + bytes } else { out += Array("-".utf8) }
            out.append(0x0A)
        }
        field("seq", String(sequence))
        field("time", String(event.timeMilliseconds))
        field("actor", event.actor)
        field("tenant", event.tenant)
        field("source", event.sourceIP)
        field("action", event.action)
        field("target", event.target)
        field("outcome", event.outcome.rawValue)
        for key in event.details.keys.sorted() { field("detail.\(key)", event.details[key]) }
        return out
    }

    @Test func canonicalBytesMatchTheOriginalFormat() {
        var generator = SystemRandomNumberGenerator()
        let samples = ["", "a", "acme", "user:acme.alice", "Montréal ✓", "line\nbreak", String(repeating: "x", count: 300), "10.1.2.3"]
        for round in 0..<500 {
            func pick() -> String { samples.randomElement(using: &generator)! }
            var details: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &generator) { details["k\(Int.random(in: 0...9, using: &generator))"] = pick() }
            let event = AuditEvent(
                time: Date(timeIntervalSince1970: Double.random(in: 0...4_000_000_000, using: &generator)), actor: pick(),
                tenant: Bool.random(using: &generator) ? nil : pick(), sourceIP: Bool.random(using: &generator) ? nil : pick(), action: pick(),
                target: Bool.random(using: &generator) ? nil : pick(), outcome: [.success, .failure, .denied].randomElement(using: &generator)!,
                details: details)
            let sequence = Int64(round) * 7_919 + 1
            #expect(event.canonicalBytes(sequence: sequence) == Self.referenceCanonicalBytes(event, sequence: sequence))
        }
    }
}
