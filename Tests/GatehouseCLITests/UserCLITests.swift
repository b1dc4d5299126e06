import Foundation
import GatehouseTesting
import Testing

struct UserCLITests {
    func prepared() throws -> CLIFixture {
        let cli = CLIFixture()
        try cli.ok("tenant", "create", "acme", "--upstream", "http://127.0.0.1:9000")
        return cli
    }

    @Test func usersRolesAndPasswords() throws {
        let cli = try prepared()
        let added = try cli.ok("user", "add", "acme", "alice", "--role", "admin", "--role", "user")
        #expect(added.stdout.contains("added user acme.alice with roles admin, user"))
        try cli.ok("user", "add", "acme", "bob", "--role", "backup")
        try cli.ok("user", "add", "platform", "olga", "--role", "operator")
        let password = "correct horse battery staple"
        try cli.ok("user", "passwd", "acme", "alice", "--password-stdin", stdin: password + "\n")

        let users = try #require(try cli.json(try cli.ok("user", "list", "acme", "--json")) as? [[String: Any]])
        #expect(users.map { $0["name"] as? String } == ["alice", "bob"])
        #expect(users[0]["roles"] as? [String] == ["admin", "user"])
        #expect(users[0]["password"] as? Bool == true)
        #expect(users[1]["password"] as? Bool == false)
        #expect(try cli.ok("user", "list", "platform").stdout.contains("olga"))

        // The stored hash is PBKDF2-SHA256 with 600,000 iterations; the password is nowhere on disk.
        let hash = try cli.sqlite("SELECT hash FROM passwordCredential").stdout
        #expect(hash.hasPrefix("$pbkdf2-sha256$i=600000$"))
        for (path, bytes) in FileManager.default.allBytes(under: cli.directory.url.appendingPathComponent("data")) {
            #expect(bytes.range(of: Data(password.utf8)) == nil, "password in \(path)")
        }

        try cli.ok("user", "disable", "acme", "bob")
        #expect(try cli.ok("user", "list", "acme").stdout.contains("disabled"))
        try cli.ok("user", "remove", "acme", "bob")
        #expect(!(try cli.ok("user", "list", "acme").stdout.contains("bob")))
        let history = try cli.ok("audit", "list", "--tenant", "acme").stdout
        #expect(history.contains("user.remove") && history.contains("acme.bob"))
    }

    @Test func rolesChangeAndAreAudited() throws {
        let cli = try prepared()
        try cli.ok("user", "add", "acme", "alice", "--role", "user")
        #expect(try cli.ok("user", "role", "add", "acme", "alice", "backup", "auditor").stdout.contains("now has roles user, backup, auditor"))
        #expect(try cli.ok("user", "role", "remove", "acme", "alice", "user").stdout.contains("now has roles backup, auditor"))
        let before = try cli.snapshot()
        for (arguments, expected) in [
            (["user", "role", "remove", "acme", "alice", "admin"], "does not have the role admin"),
            (["user", "role", "remove", "acme", "alice", "auditor", "backup"], "without a role"),
            (["user", "role", "add", "acme", "alice", "operator"], "platform-wide"),
            (["user", "role", "add", "acme", "alice", "backup"], "already has exactly the roles"),
            (["user", "role", "add", "acme", "alice", "wizard"], "unknown role 'wizard'"),
            (["user", "role", "add", "acme", "alice"], "name at least one role"),
        ] {
            let result = try cli.gatehouse.run(arguments)
            #expect(result.status == 1 && result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        }
        #expect(try cli.snapshot() == before)
        let events = try #require(try cli.json(try cli.ok("audit", "list", "--tenant", "acme", "--json")) as? [[String: Any]])
        let changes = events.filter { $0["action"] as? String == "user.roles" }.compactMap { $0["details"] as? [String: String] }
        #expect(changes == [["from": "user", "to": "user,backup,auditor"], ["from": "user,backup,auditor", "to": "backup,auditor"]])
    }

    @Test func secretsNeverReachTheLogEvenAtTraceLevel() throws {
        let cli = try prepared()
        try cli.ok("user", "add", "acme", "alice", "--role", "user")
        let password = "a very secret passphrase"
        for format in ["text", "json"] {
            let result = try cli.ok("user", "passwd", "acme", "alice", "--password-stdin", "--log-level", "trace", "--log-format", format, stdin: password)
            #expect(!result.stderr.contains(password) && !result.stdout.contains(password))
        }
        let created = try cli.ok("user", "token", "create", "acme", "alice", "--log-level", "trace")
        let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!created.stderr.contains(token))
        let audit = try cli.ok("audit", "list", "--json", "--log-level", "trace")
        #expect(!audit.stdout.contains(token) && !audit.stdout.contains(password))
    }

    @Test func sshKeysFromSSHKeygen() throws {
        let cli = try prepared()
        try cli.ok("user", "add", "acme", "alice", "--role", "backup")
        for (type, bits) in [("ed25519", nil), ("ecdsa", 256), ("ecdsa", 384), ("ecdsa", 521)] as [(String, Int?)] {
            let publicKey = try cli.sshKey(type: type, bits: bits, name: "\(type)\(bits ?? 0)")
            let added = try cli.ok("user", "key", "add", "acme", "alice", publicKey)
            // The fingerprint matches what OpenSSH itself computes.
            let sshKeygen = try #require(ProcessRunner.which("ssh-keygen"))
            let expected = try ProcessRunner.run(sshKeygen, ["-l", "-E", "sha256", "-f", publicKey]).stdout.split(separator: " ")[1]
            #expect(added.stdout.contains(String(expected)), "\(added.stdout) vs \(expected)")
        }
        let keys = try #require(try cli.json(try cli.ok("user", "key", "list", "acme", "alice", "--json")) as? [[String: Any]])
        #expect(keys.count == 4)
        #expect(keys.map { $0["type"] as? String } == ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"])
        let fingerprint = try #require(keys[0]["fingerprint"] as? String)
        let duplicate = try cli.gatehouse.run("user", "key", "add", "acme", "alice", cli.directory.path("ed255190.pub"))
        #expect(duplicate.status == 1 && duplicate.stderr.contains("already has key"))
        try cli.ok("user", "key", "remove", "acme", "alice", fingerprint)
        #expect(!(try cli.ok("user", "key", "list", "acme").stdout.contains(fingerprint)))
    }

    @Test func tokensAreShownOnceAndRevocable() throws {
        let cli = try prepared()
        try cli.ok("user", "add", "acme", "alice", "--role", "user")
        let created = try cli.ok("user", "token", "create", "acme", "alice", "--expires", "2099-01-01")
        let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("gh_") && token.count == 46)
        #expect(created.stderr.contains("shown only once"))
        let listed = try cli.ok("user", "token", "list", "acme", "alice")
        #expect(!listed.stdout.contains(token))
        #expect(listed.stdout.contains("…" + token.suffix(4)))
        #expect(listed.stdout.contains("active"))
        for (path, bytes) in FileManager.default.allBytes(under: cli.directory.url.appendingPathComponent("data")) {
            #expect(bytes.range(of: Data(token.utf8)) == nil, "token in \(path)")
        }
        #expect(!(try cli.ok("audit", "list", "--json").stdout.contains(token)))
        try cli.ok("user", "token", "revoke", "acme", "alice", "1")
        let tokens = try #require(try cli.json(try cli.ok("user", "token", "list", "acme", "alice", "--json")) as? [[String: Any]])
        #expect(tokens.first?["status"] as? String == "revoked")
    }
}

struct AllowlistCLITests {
    @Test func rulesPerTenantAndPerUser() throws {
        let cli = CLIFixture()
        try cli.ok("tenant", "create", "acme", "--upstream", "http://x:1")
        try cli.ok("user", "add", "acme", "alice", "--role", "user")
        #expect(try cli.ok("allowlist", "list", "acme").stdout.contains("every address is admitted"))
        let first = try cli.ok("allowlist", "add", "acme", "203.0.113.0/24")
        #expect(first.stderr.contains("now admits only addresses on its allowlist"))
        try cli.ok("allowlist", "add", "acme", "2001:DB8::/32")
        let narrowing = try cli.ok("allowlist", "add", "acme", "203.0.113.128/25", "--user", "alice")
        #expect(narrowing.stderr.isEmpty)
        let outside = try cli.ok("allowlist", "add", "acme", "198.51.100.7", "--user", "alice")
        #expect(outside.stderr.contains("admits nothing until one does"))
        let rules = try #require(try cli.json(try cli.ok("allowlist", "list", "acme", "--json")) as? [[String: Any]])
        #expect(rules.map { $0["cidr"] as? String } == ["203.0.113.0/24", "2001:db8::/32", "203.0.113.128/25", "198.51.100.7/32"])
        #expect(rules.map { $0["user"] as? String } == [nil, nil, "alice", "alice"])
        #expect(try cli.ok("tenant", "list").stdout.contains("2 rules"))
        try cli.ok("allowlist", "remove", "acme", "198.51.100.7/32", "--user", "alice")
        try cli.ok("allowlist", "remove", "acme", "2001:db8::/32")
        let before = try cli.snapshot()
        let refused = try cli.gatehouse.run("allowlist", "remove", "acme", "203.0.113.0/24")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("last tenant-wide rule of acme"))
        #expect(try cli.snapshot() == before)
        let last = try cli.ok("allowlist", "remove", "acme", "203.0.113.0/24", "--force")
        #expect(last.stderr.contains("now admits every address"))
    }
}
