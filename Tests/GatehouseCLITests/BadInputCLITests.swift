import Foundation
import GatehouseTesting
import Testing

/// Every bad argument exits non-zero with one clear line on stderr and changes nothing.
struct BadInputCLITests {
    struct Case: CustomStringConvertible {
        let arguments: [String]
        let expected: String
        var stdin: String? = nil
        var description: String { arguments.joined(separator: " ") }
    }

    func prepared() throws -> CLIFixture {
        let cli = CLIFixture()
        try cli.ok("tenant", "create", "acme", "--upstream", "http://127.0.0.1:9000")
        try cli.ok("user", "add", "acme", "alice", "--role", "admin")
        try cli.ok("allowlist", "add", "acme", "10.0.0.0/8")
        return cli
    }

    @Test func everyBadArgumentIsRefusedClearlyAndChangesNothing() throws {
        let cli = try prepared()
        let rsa = try cli.sshKey(type: "rsa", bits: 2048, name: "rsa")
        let ed25519 = try cli.sshKey(type: "ed25519", name: "ed")
        let junk = cli.directory.path("junk.pub")
        _ = FileManager.default.createFile(atPath: junk, contents: Data("this is not a key\n".utf8))
        let cases: [Case] = [
            Case(arguments: ["tenant", "create", "Bad_Prefix", "--upstream", "http://x"], expected: "may only contain lowercase letters"),
            Case(arguments: ["tenant", "create", "ab", "--upstream", "http://x"], expected: "3 to 63 characters"),
            Case(arguments: ["tenant", "create", "acme-", "--upstream", "http://x"], expected: "must not start or end with '-'"),
            Case(arguments: ["tenant", "create", "www", "--upstream", "http://x"], expected: "reserved"),
            Case(arguments: ["tenant", "create", "acme", "--upstream", "http://x"], expected: "tenant 'acme' already exists"),
            Case(arguments: ["tenant", "create", "newco", "--upstream", "ftp://x"], expected: "only http and https"),
            Case(arguments: ["tenant", "create", "newco", "--upstream", "not a url"], expected: "upstream 'not a url'"),
            Case(arguments: ["tenant", "create", "newco", "--upstream", "http://x", "--expires", "2027-13-01"], expected: "does not exist in the calendar"),
            Case(arguments: ["tenant", "create", "newco", "--upstream", "http://x", "--expires", "tomorrow"], expected: "YYYY-MM-DD"),
            Case(arguments: ["tenant", "create", "newco", "--upstream", "http://x", "--expires", "2001-01-01"], expected: "not in the future"),
            Case(arguments: ["tenant", "create", "newco", "--upstream", "http://x", "--region", "mars-1"], expected: "unknown region 'mars-1'"),
            Case(arguments: ["tenant", "create", "newco", "--upstream", "http://x", "--database", "/nonexistent/db.sqlite"], expected: "does not exist"),
            Case(arguments: ["tenant", "show", "nope"], expected: "no tenant 'nope'"),
            Case(arguments: ["tenant", "suspend", "nope"], expected: "no tenant 'nope'"),
            Case(arguments: ["tenant", "resume", "acme"], expected: "nothing to resume"),
            Case(arguments: ["tenant", "delete", "acme"], expected: "pass --force"),
            Case(arguments: ["tenant", "delete", "nope", "--force"], expected: "no tenant 'nope'"),
            Case(arguments: ["user", "add", "acme", "alice", "--role", "user"], expected: "user 'alice' already exists in acme"),
            Case(arguments: ["user", "add", "acme", "bob", "--role", "superuser"], expected: "unknown role 'superuser'"),
            Case(arguments: ["user", "add", "acme", "bob"], expected: "at least one role"),
            Case(arguments: ["user", "add", "acme", "bob", "--role", "operator"], expected: "platform-wide"),
            Case(arguments: ["user", "add", "platform", "root", "--role", "admin"], expected: "'operator' only"),
            Case(arguments: ["user", "add", "nope", "bob", "--role", "user"], expected: "no tenant 'nope'"),
            Case(arguments: ["user", "add", "acme", "Bob", "--role", "user"], expected: "user name 'Bob'"),
            Case(arguments: ["user", "passwd", "acme", "alice", "--password-stdin"], expected: "password is too short", stdin: "short\n"),
            Case(arguments: ["user", "passwd", "acme", "alice", "--password-stdin"], expected: "no password on standard input", stdin: ""),
            Case(arguments: ["user", "passwd", "acme", "ghost", "--password-stdin"], expected: "no user 'ghost' in acme", stdin: "long enough password\n"),
            Case(arguments: ["user", "key", "add", "acme", "alice", rsa], expected: "RSA keys are not accepted; use one of: ssh-ed25519"),
            Case(arguments: ["user", "key", "add", "acme", "alice", junk], expected: "not an OpenSSH public key"),
            Case(arguments: ["user", "key", "add", "acme", "alice", ed25519.replacingOccurrences(of: ".pub", with: "")], expected: "is a private key"),
            Case(arguments: ["user", "key", "add", "acme", "alice", "/nonexistent.pub"], expected: "cannot read public key file"),
            Case(arguments: ["user", "key", "add", "acme", "ghost", ed25519], expected: "no user 'ghost'"),
            Case(arguments: ["user", "key", "remove", "acme", "alice", "SHA256:nothing"], expected: "has no key SHA256:nothing"),
            Case(arguments: ["user", "token", "create", "acme", "alice", "--expires", "2020-01-01"], expected: "not in the future"),
            Case(arguments: ["user", "token", "create", "acme", "alice", "--expires", "31/12/2030"], expected: "YYYY-MM-DD"),
            Case(arguments: ["user", "token", "revoke", "acme", "alice", "99"], expected: "no token with id 99"),
            Case(arguments: ["user", "disable", "acme", "ghost"], expected: "no user 'ghost'"),
            Case(arguments: ["user", "remove", "nope", "alice"], expected: "no tenant 'nope'"),
            Case(arguments: ["user", "list", "nope"], expected: "no tenant 'nope'"),
            Case(arguments: ["allowlist", "add", "acme", "10.0.0.1/33"], expected: "invalid prefix length"),
            Case(arguments: ["allowlist", "add", "acme", "10.0.0.5/24"], expected: "host bits set; did you mean 10.0.0.0/24?"),
            Case(arguments: ["allowlist", "add", "acme", "banana"], expected: "not a CIDR block"),
            Case(arguments: ["allowlist", "add", "acme", "300.1.1.1"], expected: "not a CIDR block"),
            Case(arguments: ["allowlist", "add", "acme", "10.0.0.0/8"], expected: "already on the allowlist"),
            Case(arguments: ["allowlist", "add", "acme", "10.1.0.0/16", "--user", "ghost"], expected: "no user 'ghost'"),
            Case(arguments: ["allowlist", "add", "nope", "10.0.0.0/8"], expected: "no tenant 'nope'"),
            Case(arguments: ["allowlist", "remove", "acme", "11.0.0.0/8"], expected: "is not on the allowlist"),
            Case(arguments: ["audit", "list", "--since", "2026-99-01"], expected: "does not exist in the calendar"),
            Case(arguments: ["audit", "list", "--tenant", "Not_A_Tenant"], expected: "tenant prefix"),
            Case(arguments: ["audit", "list", "--limit", "0"], expected: "--limit must be a positive number"),
            Case(arguments: ["tenant", "list", "--log-level", "loud"], expected: "unknown log level 'loud'"),
            Case(arguments: ["tenant", "list", "--log-format", "xml"], expected: "unknown log format 'xml'"),
        ]
        for testCase in cases {
            let before = try cli.snapshot()
            let result = try cli.gatehouse.run(testCase.arguments, stdin: testCase.stdin)
            #expect(result.status == 1, "\(testCase): exit \(result.status)")
            #expect(result.stderrLines.count == 1, "\(testCase): stderr was \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: "), "\(testCase): \(result.stderr)")
            #expect(result.stderr.contains(testCase.expected), "\(testCase): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(testCase): printed \(result.stdout)")
            #expect(try cli.snapshot() == before, "\(testCase) changed the database")
        }
    }

    @Test func aBadArgumentOnAFreshDataDirectoryCreatesNothing() throws {
        let cli = CLIFixture()
        for arguments in [
            ["tenant", "create", "Bad_Prefix", "--upstream", "http://x"], ["allowlist", "add", "acme", "10.0.0.1/33"],
            ["user", "add", "acme", "Bob", "--role", "user"], ["tenant", "list", "--log-level", "loud"],
        ] {
            let result = try cli.gatehouse.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(!FileManager.default.fileExists(atPath: cli.gatehouse.dataDirectory), "\(arguments) created the data directory")
        }
    }

    @Test func argumentErrorsNameTheProblem() throws {
        let cli = try prepared()
        let cases: [([String], String)] = [
            (["user", "passwd", "acme", "alice"], "--password-stdin"),
            (["tenant", "create"], "Missing expected argument '<prefix>'"),
            (["tenant", "create", "newco"], "Missing expected argument '--upstream <upstream>'"),
            (["user", "token", "revoke", "acme", "alice", "abc"], "The value 'abc' is invalid"),
        ]
        for (arguments, expected) in cases {
            let before = try cli.snapshot()
            let result = try cli.gatehouse.run(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderrLines.first?.contains(expected) == true, "\(arguments): \(result.stderr)")
            #expect(try cli.snapshot() == before)
        }
        let unknown = try cli.gatehouse.runBare(["tenant", "frobnicate"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("frobnicate"), "\(unknown.stderr)")
    }
}
