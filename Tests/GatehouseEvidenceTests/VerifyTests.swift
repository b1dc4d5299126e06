import Crypto
import Foundation
import GatehouseCore
@testable import GatehouseEvidence
import Testing

@Suite("Verifying bundles")
struct VerifyTests {
    /// A seeded store, one good bundle and a second one (another period) to borrow a signature from.
    static func bundles() throws -> (EvidenceFixture, URL, URL) {
        let fixture = try EvidenceFixture()
        try fixture.seed()
        return (fixture, try fixture.export(from: 2, to: 10), try fixture.export(from: 3, to: 9))
    }

    func problem(after change: (inout [String: Data]) throws -> Void, in fixture: EvidenceFixture, from good: URL) throws -> String? {
        var entries = try EvidenceFixture.entries(good)
        try change(&entries)
        let tampered = URL(fileURLWithPath: fixture.directory.path("tampered-\(UUID().uuidString).zip"))
        try EvidenceFixture.write(entries, to: tampered)
        return try BundleVerifier.verify(tampered).problem
    }

    @Test("Each kind of tampering fails with its own message")
    func tampering() throws {
        let (fixture, good, other) = try Self.bundles()
        #expect(try BundleVerifier.verify(good).problem == nil)

        let editedCSV = try problem(after: { entries in
            var data = entries["evidence/users-created.csv"]!
            data[data.count - 3] ^= 0x01
            entries["evidence/users-created.csv"] = data
        }, in: fixture, from: good)
        #expect(editedCSV == "evidence/users-created.csv does not match its SHA-256 in the manifest: the file was changed")

        let dropped = try problem(after: { $0["policies/card-data.md"] = nil }, in: fixture, from: good)
        #expect(dropped == "policies/card-data.md is listed in the manifest but missing from the archive: a file was removed")

        let added = try problem(after: { $0["evidence/extra.csv"] = Data("a,b\r\n".utf8) }, in: fixture, from: good)
        #expect(added == "evidence/extra.csv is in the archive but not in the manifest: a file was added")

        let editedManifest = try problem(after: { entries in
            let text = String(decoding: entries["manifest.json"]!, as: UTF8.self)
            entries["manifest.json"] = Data(text.replacingOccurrences(of: "\"soc2\"", with: "\"soc1\"").utf8)
        }, in: fixture, from: good)
        #expect(editedManifest?.hasPrefix("the signature in manifest.sig does not match manifest.json") == true)

        let swapped = try problem(after: { $0["manifest.sig"] = try EvidenceFixture.entries(other)["manifest.sig"] }, in: fixture, from: good)
        #expect(swapped?.hasPrefix("the signature in manifest.sig does not match manifest.json") == true)

        let noSignature = try problem(after: { $0["manifest.sig"] = nil }, in: fixture, from: good)
        #expect(noSignature == "manifest.sig is missing: this is not a complete Gatehouse evidence bundle")

        let otherKey = try problem(after: { entries in
            entries["public-key.pem"] = Data(SigningKeyFormat.pem([UInt8](repeating: 7, count: 32)).utf8)
        }, in: fixture, from: good)
        #expect(otherKey == "public-key.pem and signature.json name different keys")

        let respaced = try problem(after: { entries in
            entries["signature.json"] = Data(String(decoding: entries["signature.json"]!, as: UTF8.self).replacingOccurrences(of: "{", with: "{ ").utf8)
        }, in: fixture, from: good)
        #expect(respaced == "signature.json was changed")

        let unsafe = try problem(after: { $0["../outside.txt"] = Data("x".utf8) }, in: fixture, from: good)
        #expect(unsafe == "the archive holds an entry with an unsafe name: \"../outside.txt\"")

        let appended = URL(fileURLWithPath: fixture.directory.path("appended.zip"))
        var bytes = try Data(contentsOf: good)
        bytes.append(Data("PK trailing bytes".utf8))
        try bytes.write(to: appended)
        #expect(try BundleVerifier.verify(appended).problem?.contains("bytes after its end record") == true)

        let notZip = URL(fileURLWithPath: fixture.directory.path("not.zip"))
        try Data("hello".utf8).write(to: notZip)
        #expect(try BundleVerifier.verify(notZip).problem?.hasPrefix("not.zip is not a ZIP archive") == true)
    }

    @Test("A pinned key or fingerprint must match the signer")
    func pinnedKey() throws {
        let (fixture, good, _) = try Self.bundles()
        let key = try fixture.source.signingPublicKey()
        #expect(try BundleVerifier.verify(good, pinned: .key(key)).problem == nil)
        #expect(try BundleVerifier.verify(good, pinned: .init(parsing: SigningKeyFormat.fingerprint(key))).problem == nil)
        #expect(try BundleVerifier.verify(good, pinned: .init(parsing: SigningKeyFormat.pem(key))).problem == nil)
        let stranger = [UInt8](repeating: 9, count: 32)
        let problem = try BundleVerifier.verify(good, pinned: .key(stranger)).problem
        #expect(problem?.contains("not by the key you gave (\(SigningKeyFormat.fingerprint(stranger)))") == true)
        #expect(throws: GatehouseError.self) { try BundleVerifier.PinnedKey(parsing: "SHA256:abc") }
        #expect(throws: GatehouseError.self) { try BundleVerifier.PinnedKey(parsing: "not a key at all!") }
    }

    @Test("The audit segment check finds an edited, removed or truncated event")
    func auditSegmentChecks() throws {
        let (fixture, good, _) = try Self.bundles()
        let entries = try EvidenceFixture.entries(good)
        let events = String(decoding: entries["audit/events.jsonl"]!, as: UTF8.self)
        let checkpoints = [UInt8](entries["audit/checkpoints.json"]!)
        let key = try Curve25519Key.key(fixture)
        func check(_ text: String) -> String? {
            do {
                _ = try AuditSegmentVerifier.verify(events: { consume in try consume(Data(text.utf8)) }, checkpoints: checkpoints, key: key)
                return nil
            } catch let problem as BundleVerifier.BundleProblem {
                return problem.message
            } catch {
                return "\(error)"
            }
        }
        #expect(check(events) == nil)
        var lines = events.split(separator: "\n").map(String.init)
        let target = try #require(lines.firstIndex { $0.contains("\"action\":\"user.disable\"") })
        var edited = lines
        edited[target] = edited[target].replacingOccurrences(of: "acme.bob", with: "acme.eve")
        let sequence = try #require(edited[target].split(separator: ",").first?.split(separator: ":").last)
        #expect(check(edited.joined(separator: "\n")) == "audit event \(sequence) was changed: its content no longer matches its hash")
        var removed = lines
        removed.remove(at: target)
        #expect(check(removed.joined(separator: "\n"))?.contains("events were removed") == true)
        lines.removeLast()
        #expect(check(lines.joined(separator: "\n"))?.contains("which no signed checkpoint covers") == true)
    }

    @Test("A rewritten event with recomputed hashes cannot slip past a withheld event")
    func withheldEventsBindTheChain() throws {
        let fixture = try EvidenceFixture()
        try fixture.seed()
        let entries = try EvidenceFixture.entries(try fixture.export(from: 1, to: 10, tenant: fixture.acme))
        var lines = String(decoding: entries["audit/events.jsonl"]!, as: UTF8.self).split(separator: "\n").map(String.init)
        // A full acme event directly followed by a withheld one (beta's, or a platform event).
        let index = try #require(lines.indices.dropLast().first { !lines[$0].contains("\"withheld\"") && lines[$0 + 1].contains("\"withheld\"") })
        var event = try #require(try JSONSerialization.jsonObject(with: Data(lines[index].utf8)) as? [String: Any])
        event["actor"] = "cli:mallory"
        let details = event["details"] as? [String: String] ?? [:]
        let canonical = AuditEvent(
            time: Date(timeIntervalSince1970: Double(event["time_ms"] as! Int) / 1000), actor: "cli:mallory", tenant: event["tenant"] as? String,
            sourceIP: event["source_ip"] as? String, action: event["action"] as! String, target: event["target"] as? String,
            outcome: AuditOutcome(rawValue: event["outcome"] as! String)!, details: details
        ).canonicalBytes(sequence: Int64(event["seq"] as! Int))
        let salt = try #require(AuditSegmentVerifier.hexBytes(event["salt"] as! String))
        let previous = try #require(AuditSegmentVerifier.hexBytes(event["previous_hash"] as! String))
        let forged = AuditSegmentVerifier.link(previous: previous, leaf: Array(SHA256.hash(data: salt + canonical))).hexString
        event["hash"] = forged
        lines[index] = String(decoding: try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys]), as: UTF8.self)
        lines[index + 1] = lines[index + 1].replacingOccurrences(of: lines[index + 1].components(separatedBy: "\"previous_hash\":\"")[1].prefix(64), with: forged)
        let key = try Curve25519Key.key(fixture)
        var problem: String?
        do {
            _ = try AuditSegmentVerifier.verify(
                events: { consume in try consume(Data(lines.joined(separator: "\n").utf8)) }, checkpoints: [UInt8](entries["audit/checkpoints.json"]!),
                key: key)
        } catch let found as BundleVerifier.BundleProblem {
            problem = found.message
        }
        let withheld = try #require(lines[index + 1].split(separator: ",").first?.split(separator: ":").last)
        #expect(problem == "audit event \(withheld) was changed: its content no longer matches its hash")
    }
}

enum Curve25519Key {
    static func key(_ fixture: EvidenceFixture) throws -> Curve25519.Signing.PublicKey {
        try Curve25519.Signing.PublicKey(rawRepresentation: try fixture.source.signingPublicKey())
    }
}
