import Foundation
import GatehouseTesting
import Testing

/// `gatehouse evidence` and `gatehouse incident` driven through the built binary, with the bundle
/// checked by real tools: unzip/zip, openssl (Ed25519 signature), the PyPI OSCAL validator and
/// `gatehouse pci scan`.
struct EvidenceCLITests {
    static var repository: URL { RepositoryRoot.url() }

    static var policies: String { RepositoryRoot.policies.path }

    static var today: String { String(ISO8601DateFormatter().string(from: Date()).prefix(10)) }
    static var monthAgo: String { String(ISO8601DateFormatter().string(from: Date().addingTimeInterval(-30 * 86_400)).prefix(10)) }

    func shell(_ command: String, in directory: TemporaryDirectory) throws -> ProcessResult {
        try ProcessRunner.run("/bin/sh", ["-c", command], currentDirectory: directory.url.path)
    }

    /// A tenant with a database, users, a backup and an incident, as an operator sets them up.
    func seeded() throws -> CLIFixture {
        let cli = CLIFixture()
        let database = cli.directory.path("acme.sqlite")
        let sqlite3 = try #require(ProcessRunner.which("sqlite3"), "sqlite3 is installed by .ci/run")
        _ = try ProcessRunner.run(sqlite3, [database, "CREATE TABLE customer (name TEXT); INSERT INTO customer VALUES ('Ada');"])
        try cli.ok("tenant", "create", "acme", "--upstream", "http://127.0.0.1:9", "--region", "ca-central", "--database", database)
        try cli.ok("user", "add", "acme", "alice", "--role", "admin")
        try cli.ok("user", "passwd", "acme", "alice", "--password-stdin", stdin: "a long enough passphrase 4111\n")
        try cli.ok("allowlist", "add", "acme", "192.0.2.0/24")
        try cli.ok("backup", "run", "acme")
        try cli.ok("backup", "verify", "acme")
        try cli.ok("incident", "record", "--title", "Phishing mail opened", "--detected", Self.today, "--tenant", "acme", "--significant-harm", "no")
        return cli
    }

    func export(_ cli: CLIFixture, _ framework: String = "soc2", out: String, extra: [String] = []) throws -> ProcessResult {
        try cli.gatehouse.run(
            ["evidence", "export", "--framework", framework, "--from", Self.monthAgo, "--to", Self.today, "--out", out, "--policies", Self.policies]
                + extra)
    }

    func verify(_ cli: CLIFixture, _ file: String, key: String? = nil) throws -> ProcessResult {
        try cli.gatehouse.runBare(["evidence", "verify", file] + (key.map { ["--key", $0] } ?? []))
    }

    @Test func exportsVerifiableBundlesForEachFramework() throws {
        let cli = try seeded()
        for framework in ["soc2", "soc1", "pipeda"] {
            let out = cli.directory.path("\(framework).zip")
            let exported = try export(cli, framework, out: out)
            #expect(exported.status == 0, "\(exported.stderr)")
            #expect(exported.stdout.contains("wrote \(out)") && exported.stdout.contains("signed by SHA256:"), "\(exported.stdout)")
            let verified = try verify(cli, out)
            #expect(verified.status == 0, "\(verified.stderr)")
            #expect(verified.stdout.hasPrefix("OK: \(out) is intact"))
            #expect(verified.stderr.contains("warning: the signer is not pinned"), "without --key the signer must be compared by hand")
        }
        // Every export is audited, with the bundle's hash.
        let audit = try cli.ok("audit", "list", "--json")
        #expect(audit.stdout.components(separatedBy: "\"evidence.export\"").count - 1 == 3)

        // The signature checks with stock openssl, and the key pins by file and by fingerprint.
        let folder = TemporaryDirectory("gatehouse-bundle")
        let unzip = try shell("unzip -q \(cli.directory.path("soc2.zip"))", in: folder)
        #expect(unzip.status == 0, "\(unzip.stderr)")
        let openssl = try shell("openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin -in manifest.json -sigfile manifest.sig", in: folder)
        #expect(openssl.status == 0 && openssl.stdout.contains("Signature Verified Successfully"), "\(openssl.stdout) \(openssl.stderr)")
        let key = try cli.ok("evidence", "public-key")
        let keyFile = cli.directory.path("pinned.pem")
        try key.stdout.write(toFile: keyFile, atomically: true, encoding: .utf8)
        #expect(try verify(cli, cli.directory.path("soc2.zip"), key: keyFile).status == 0)
        let fingerprint = try #require(key.stderr.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(try verify(cli, cli.directory.path("soc2.zip"), key: fingerprint).status == 0)
        let stranger = try shell("openssl genpkey -algorithm ed25519 | openssl pkey -pubout > stranger.pem", in: folder)
        #expect(stranger.status == 0)
        let wrongKey = try verify(cli, cli.directory.path("soc2.zip"), key: folder.path("stranger.pem"))
        #expect(wrongKey.status == 1 && wrongKey.stderr.contains("not by the key you gave"), "\(wrongKey.stderr)")

        // The report links the controls; populations come with their queries.
        let report = try String(contentsOfFile: folder.path("report.html"), encoding: .utf8)
        #expect(report.contains("A1.2") && report.contains("href=\"evidence/backups-daily.csv\""))
        #expect(FileManager.default.fileExists(atPath: folder.path("evidence/users-created.json")))

        // No card number anywhere in a bundle (the password above ends in digits on purpose). Its
        // hashes, fingerprints and UUIDs print as hex, where a Luhn-valid digit run turns up by chance
        // (in about one bundle in fifty): they are blanked in the unpacked copy, which is what is scanned.
        let hex = "[0-9a-fA-F]{32,}|[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"
        #expect(try shell("find . -type f ! -name manifest.sig -exec sed -E -i 's/\(hex)/H/g' {} +", in: folder).status == 0)
        let scan = try cli.gatehouse.runBare(["pci", "scan", folder.url.path])
        #expect(scan.status == 0, "\(scan.stdout)")
    }

    @Test func oscalAssessmentResultsValidate() throws {
        let cli = try seeded()
        let out = cli.directory.path("soc2.zip")
        #expect(try export(cli, out: out).status == 0)
        let folder = TemporaryDirectory("gatehouse-oscal")
        #expect(try shell("unzip -q \(out)", in: folder).status == 0)
        let python = ProcessInfo.processInfo.environment["GATEHOUSE_OSCAL_PYTHON"]
            ?? Self.repository.appendingPathComponent(".build/oscal-venv/bin/python").path
        try #require(
            FileManager.default.isExecutableFile(atPath: python),
            "the OSCAL validator is missing: python3 -m venv .build/oscal-venv && .build/oscal-venv/bin/pip install oscal==3.2.2 (.ci/run does this)")
        let validator = Self.repository.appendingPathComponent("Tests/Tools/validate_oscal.py").path
        // The validator caches its metaschema index in ./support, so it runs inside the scratch folder.
        let result = try ProcessRunner.run(
            python, [validator, folder.path("oscal/assessment-results.json")], currentDirectory: folder.url.path, timeout: 300)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("valid OSCAL 1.2.3 assessment-results"))
    }

    @Test func tamperedBundlesFailNamingTheProblem() throws {
        let cli = try seeded()
        let good = cli.directory.path("good.zip")
        #expect(try export(cli, out: good).status == 0)
        let work = TemporaryDirectory("gatehouse-tamper")
        func tampered(_ name: String, _ command: String) throws -> ProcessResult {
            let copy = work.path("\(name).zip")
            try FileManager.default.copyItem(atPath: good, toPath: copy)
            let edit = try shell(command.replacingOccurrences(of: "BUNDLE", with: copy), in: work)
            #expect(edit.status == 0, "\(command): \(edit.stderr)")
            return try verify(cli, copy)
        }
        let dropped = try tampered("dropped", "zip -q -d BUNDLE policies/access-control.md")
        #expect(dropped.status == 1)
        #expect(dropped.stderr == "FAILED: policies/access-control.md is listed in the manifest but missing from the archive: a file was removed\n")

        let added = try tampered("added", "mkdir -p evidence && echo x > evidence/notes.csv && zip -q BUNDLE evidence/notes.csv")
        #expect(added.stderr == "FAILED: evidence/notes.csv is in the archive but not in the manifest: a file was added\n")

        let edited = try tampered(
            "edited", "mkdir e && cd e && unzip -q BUNDLE evidence/tenants.csv && sed -i 's/ca-central/us-east/' evidence/tenants.csv && zip -q BUNDLE evidence/tenants.csv")
        #expect(edited.stderr == "FAILED: evidence/tenants.csv does not match its SHA-256 in the manifest: the file was changed\n")

        let manifest = try tampered(
            "manifest", "mkdir m && cd m && unzip -q BUNDLE manifest.json && sed -i 's/\"soc2\"/\"soc1\"/' manifest.json && zip -q BUNDLE manifest.json")
        #expect(manifest.stderr.hasPrefix("FAILED: the signature in manifest.sig does not match manifest.json"))

        let other = cli.directory.path("other.zip")
        #expect(try cli.gatehouse.run(["evidence", "export", "--framework", "soc2", "--from", Self.monthAgo, "--to", Self.monthAgo, "--out", other, "--policies", Self.policies]).status == 0)
        let swapped = try tampered("swapped", "mkdir s && cd s && unzip -q \(other) manifest.sig && zip -q BUNDLE manifest.sig")
        #expect(swapped.stderr.hasPrefix("FAILED: the signature in manifest.sig does not match manifest.json"))

        #expect(try verify(cli, good).status == 0, "the original is untouched and still verifies")
        let missing = try verify(cli, cli.directory.path("nothing.zip"))
        #expect(missing.status == 1 && missing.stderr.contains("no file"))
    }

    @Test func badExportArgumentsChangeNothing() throws {
        let cli = try seeded()
        let before = try cli.snapshot()
        let out = cli.directory.path("x.zip")
        func refused(_ extra: [String], from: String = Self.monthAgo, to: String = Self.today, out target: String? = nil, framework: String = "soc2")
            throws -> String
        {
            let result = try cli.gatehouse.run(
                ["evidence", "export", "--framework", framework, "--from", from, "--to", to, "--out", target ?? out, "--policies", Self.policies] + extra)
            #expect(result.status != 0, "accepted: \(extra) \(from) \(to)")
            return result.stderr
        }
        #expect(try refused([], framework: "iso27001") == "error: unknown framework 'iso27001'; choose soc1, soc2 or pipeda\n")
        #expect(try refused([], from: "2026-13-01").contains("does not exist in the calendar"))
        #expect(try refused([], from: Self.today, to: Self.monthAgo).contains("before it starts"))
        #expect(try refused([], from: "2020-01-01").contains("export at most 800 days"))
        let tomorrow = String(ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400)).prefix(10))
        #expect(try refused([], to: tomorrow).contains("is in the future"))
        #expect(try refused([], out: cli.directory.path("no/such/folder/x.zip")).contains("does not exist"))
        #expect(try refused([], out: cli.directory.path("x.tar")).contains("--out must name a .zip file"))
        #expect(try refused(["--tenant", "nobody"]).contains("nobody"))
        #expect(try refused(["--tenant", "Bad_Prefix"]).contains("Bad_Prefix"))
        let existing = cli.directory.path("exists.zip")
        try "keep me".write(toFile: existing, atomically: true, encoding: .utf8)
        #expect(try refused([], out: existing).contains("already exists"))
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "keep me")
        let noPolicies = try cli.gatehouse.run(
            ["evidence", "export", "--framework", "soc2", "--from", Self.monthAgo, "--to", Self.today, "--out", out, "--policies", "/no/policies"])
        #expect(noPolicies.status == 1 && noPolicies.stderr.contains("control catalog /no/policies/soc2.yaml is missing"), "\(noPolicies.stderr)")
        #expect(try cli.snapshot() == before, "a refused export changes nothing")
        #expect(!FileManager.default.fileExists(atPath: out))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: cli.directory.url.path).filter { $0.contains("partial") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func breachRegister() throws {
        let cli = try seeded()
        try cli.ok("incident", "record", "--title", "Stolen laptop", "--detected", Self.today, "--tenant", "acme")
        let list = try cli.ok("incident", "list", "--json")
        let incidents = try #require(try cli.json(list) as? [[String: Any]])
        #expect(incidents.count == 2)
        #expect(incidents.last?["significantHarm"] as? String == "not assessed")
        let before = try cli.snapshot()
        for (arguments, message) in [
            (["--title", "x", "--detected", "2026-02-30"], "does not exist in the calendar"),
            (["--title", "x", "--detected", "2099-01-01"], "is in the future"),
            (["--title", "x", "--detected", Self.today, "--notified", Self.monthAgo], "is before --detected"),
            (["--title", "  ", "--detected", Self.today], "needs a title"),
            (["--title", "x", "--detected", Self.today, "--tenant", "ghost"], "no tenant 'ghost'"),
            (["--title", "x", "--detected", Self.today, "--significant-harm", "maybe"], "takes yes or no"),
        ] {
            let result = try cli.gatehouse.run(["incident", "record"] + arguments)
            #expect(result.status == 1 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(try cli.snapshot() == before)
        // The register is kept: the schema refuses deletion behind the store's back.
        let delete = try cli.sqlite("DELETE FROM incident")
        #expect(delete.status != 0 && delete.stderr.contains("never deleted"))
    }
}
