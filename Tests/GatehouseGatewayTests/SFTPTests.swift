import Foundation
import GatehouseTesting
import Testing

extension ProcessResult {
    /// What sftp printed, without its echo of the batch commands.
    var output: String { stdout.split(separator: "\n").filter { !$0.hasPrefix("sftp>") }.joined(separator: "\n") }
}

/// Backup downloads with the real OpenSSH sftp client against the built server.
struct SFTPTests {
    /// Tenant acme (database with 500 rows, one backup) with bob (role backup, an Ed25519 key and a
    /// password), tenant beta with its own backup, served with SFTP on a free port.
    final class Fixture {
        let gateway = RunningGateway()
        let password = "correct horse battery staple"
        var keyPath: String { gateway.directory.path("id_ed25519") }
        var backups: String { gateway.dataPath + "/backups" }
        let acmeBackup: String

        init(serve extra: [String] = [], beforeStart: (RunningGateway) throws -> Void = { _ in }) throws {
            let sqlite3 = try #require(ProcessRunner.which("sqlite3"))
            for tenant in ["acme", "beta"] {
                let database = gateway.directory.path("\(tenant).sqlite")
                _ = try ProcessRunner.run(
                    sqlite3, [database, "CREATE TABLE invoice(id INTEGER PRIMARY KEY, total REAL); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) INSERT INTO invoice(total) SELECT i FROM n;"])
                try GatewayFixture.check(gateway.cli("tenant", "create", tenant, "--upstream", "http://127.0.0.1:9", "--database", database))
            }
            try GatewayFixture.check(gateway.cli("user", "add", "acme", "bob", "--role", "backup"))
            try GatewayFixture.check(gateway.cli("user", "add", "acme", "carol", "--role", "user"))
            try GatewayFixture.check(gateway.cli("user", "passwd", "acme", "bob", "--password-stdin", stdin: password))
            try GatewayFixture.check(gateway.cli("user", "passwd", "acme", "carol", "--password-stdin", stdin: password))
            let key = gateway.directory.path("id_ed25519")
            _ = try ProcessRunner.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key])
            try GatewayFixture.check(gateway.cli("user", "key", "add", "acme", "bob", key + ".pub"))
            let made = try gateway.cli("backup", "run", "acme")
            acmeBackup = String(made.stdout.split(separator: " ")[1])
            try GatewayFixture.check(gateway.cli("backup", "run", "beta"))
            try beforeStart(gateway)
            try gateway.start(extra)
        }

        /// Runs an sftp batch (each command may fail without stopping the batch) and returns the result.
        func sftp(_ commands: [String], login: String = "acme.bob", key: String? = nil, usePassword: String? = nil, in directory: String? = nil) throws -> ProcessResult {
            let script = commands.map { "-" + $0 }.joined(separator: "\n").appending("\n")
            let batch = gateway.directory.path("batch-\(UUID().uuidString)")
            try script.write(toFile: batch, atomically: true, encoding: .utf8)
            // -b turns on BatchMode, which forbids asking for a password: password runs read stdin instead.
            var arguments = (usePassword == nil ? ["-b", batch] : []) + [
                "-P", String(gateway.sftpPort), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10",
            ]
            var environment: [String: String] = [:]
            if let usePassword {
                let askpass = gateway.directory.path("askpass-\(UUID().uuidString).sh")
                try "#!/bin/sh\necho '\(usePassword)'\n".write(toFile: askpass, atomically: true, encoding: .utf8)
                chmod(askpass, 0o700)
                environment = ["SSH_ASKPASS": askpass, "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"]
                arguments += ["-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no", "-o", "BatchMode=no"]
            } else {
                arguments += ["-i", key ?? keyPath, "-o", "PreferredAuthentications=publickey", "-o", "PasswordAuthentication=no"]
            }
            return try ProcessRunner.run(
                "/usr/bin/sftp", arguments + ["\(login)@127.0.0.1"], stdin: usePassword == nil ? nil : script, environment: environment,
                currentDirectory: directory, timeout: 60)
        }

        func stop() { gateway.stop() }
    }

    @Test func keyAndPasswordLoginsDownloadAVerifiedRestorableBackup() throws {
        let fixture = try Fixture()
        defer { fixture.stop() }
        let downloads = fixture.gateway.directory.path("downloads")
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        let listing = try fixture.sftp(["ls -l", "get \(fixture.acmeBackup)", "get \(fixture.acmeBackup).sha256"], in: downloads)
        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(listing.stdout.contains("-r--------") && listing.stdout.contains(fixture.acmeBackup))
        #expect(!listing.stdout.contains("beta"))
        let check = try ProcessRunner.run(
            "/bin/sh", ["-c", "sha256sum -c \(fixture.acmeBackup).sha256 && gunzip -c \(fixture.acmeBackup) > r.sqlite && sqlite3 r.sqlite 'SELECT count(*), sum(total) FROM invoice'"],
            currentDirectory: downloads)
        #expect(check.stdout.hasSuffix("500|125250.0\n"), "\(check.stdout) \(check.stderr)")
        // reget resumes by offset: cut the file short and resume.
        _ = try ProcessRunner.run("/usr/bin/truncate", ["-s", "100", downloads + "/" + fixture.acmeBackup])
        #expect(try fixture.sftp(["reget \(fixture.acmeBackup)"], in: downloads).status == 0)
        #expect(try ProcessRunner.run("/usr/bin/sha256sum", ["-c", fixture.acmeBackup + ".sha256"], currentDirectory: downloads).status == 0)

        let withPassword = try fixture.sftp(["ls"], usePassword: fixture.password)
        #expect(withPassword.status == 0 && withPassword.stdout.contains(fixture.acmeBackup), "\(withPassword.stderr) \(withPassword.stdout)")
        #expect(try fixture.sftp(["ls"], usePassword: "not the password").status != 0)
        // Without the backup role, or for a tenant with no such user, no session.
        #expect(try fixture.sftp(["ls"], login: "acme.carol", usePassword: fixture.password).status != 0)
        #expect(try fixture.sftp(["ls"], login: "beta.bob").status != 0)

        #expect(eventually(within: 5) {
            let audit = (try? fixture.gateway.cli("audit", "list", "--tenant", "acme", "--json").stdout) ?? ""
            return audit.contains("backup.download") && audit.contains("\"method\" : \"publickey\"") && audit.contains("\"method\" : \"password\"")
        })
    }

    @Test func everyWriteIsRefusedAndNoPathLeavesTheRoot() throws {
        let fixture = try Fixture { gateway in
            // Planted: a symbolic link named like a backup, and a directory; neither is catalogued.
            let directory = gateway.dataPath + "/backups/acme"
            try FileManager.default.createSymbolicLink(atPath: directory + "/20261130T000000Z-full.sqlite.gz", withDestinationPath: "/etc/passwd")
            try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: true)
        }
        defer { fixture.stop() }
        let writes = try fixture.sftp([
            "put \(fixture.keyPath).pub", "rm \(fixture.acmeBackup)", "rename \(fixture.acmeBackup) x", "mkdir d", "rmdir /",
            "chmod 777 \(fixture.acmeBackup)", "symlink /etc/passwd link", "ln \(fixture.acmeBackup) hard",
        ])
        #expect(writes.stderr.components(separatedBy: "Permission denied").count - 1 == 7, "\(writes.stderr)")
        let traversal = [
            "../../../../etc/passwd", "/../etc/passwd", "..", "../acme/\(fixture.acmeBackup)", "../beta", "/beta", "/../beta/x",
            "..\\..\\etc\\passwd", "%2e%2e/%2e%2e/etc/passwd", "..%2fetc%2fpasswd", "/etc/passwd", "//etc//passwd", "./../../etc/shadow",
            "a/../../../etc/hosts", "/proc/self/environ", "/dev/zero", "~/../../etc/passwd", "sub", "sub/../../etc/passwd",
            "20261130T000000Z-full.sqlite.gz", "/root/.ssh/id_rsa", "../../data/gatehouse.sqlite", "../../data/master.key",
            "/../../../../../../../../../../etc/passwd", "....//....//etc/passwd", "..;/etc/passwd", "/.\\./etc/passwd",
            "\(fixture.acmeBackup)/..", "\(fixture.acmeBackup)/../../master.key", "/tmp", "/..%00/etc/passwd", "../../../",
        ]
        #expect(traversal.count >= 30)
        let downloads = fixture.gateway.directory.path("traversal")
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        let gets = try fixture.sftp(traversal.map { "get \"\($0)\" out" }, in: downloads)
        #expect(!FileManager.default.fileExists(atPath: downloads + "/out"), "\(gets.stdout)")
        let listings = try fixture.sftp(["ls /", "ls /..", "ls ../..", "ls sub", "ls /etc"]).output
        #expect(!listings.contains("passwd") && !listings.contains("sub") && !listings.contains("20261130T000000Z"))
        #expect(listings.contains(fixture.acmeBackup))
    }

    @Test func allowlistsAgeShellsAndForeignKeysAreRefused() throws {
        let fixture = try Fixture()
        defer { fixture.stop() }
        // A shell or a command: refused.
        let ssh = try ProcessRunner.run(
            "/usr/bin/ssh", ["-i", fixture.keyPath, "-p", String(fixture.gateway.sftpPort), "-o", "StrictHostKeyChecking=no",
                             "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "acme.bob@127.0.0.1", "cat /etc/passwd"], timeout: 30)
        #expect(ssh.status != 0 && !ssh.stdout.contains("root:"))
        #expect(ssh.stderr.contains("exec request failed"), "\(ssh.stderr)")
        let shell = try ProcessRunner.run(
            "/usr/bin/ssh", ["-T", "-i", fixture.keyPath, "-p", String(fixture.gateway.sftpPort), "-o", "StrictHostKeyChecking=no",
                             "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "acme.bob@127.0.0.1"], stdin: "id\n", timeout: 30)
        #expect(shell.status != 0 && !shell.stdout.contains("uid="), "\(shell.stderr)")
        #expect(fixture.gateway.log().contains("sftp channel request refused request=exec")
            || fixture.gateway.log().contains("request=exec"))
        #expect(eventually { fixture.gateway.log().contains("request=shell") })
        // An RSA key (not supported by the server) or an unknown key: no session.
        let rsa = fixture.gateway.directory.path("id_rsa")
        _ = try ProcessRunner.run("/usr/bin/ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", rsa])
        #expect(try fixture.sftp(["ls"], key: rsa).status != 0)
        #expect(eventually { fixture.gateway.log().contains("RSA keys are not accepted") })
        // A backup older than 7 days disappears (the catalogue's clock moved back eight days).
        let sqlite3 = try #require(ProcessRunner.which("sqlite3"))
        _ = try ProcessRunner.run(sqlite3, [fixture.gateway.dataPath + "/gatehouse.sqlite", "UPDATE backup SET createdAt = createdAt - 8 * 86400000"])
        let aged = try fixture.sftp(["ls", "get \(fixture.acmeBackup)"])
        #expect(!aged.output.contains(fixture.acmeBackup), "\(aged.stdout)")
        #expect(aged.stderr.contains("not found"))
        // An address outside the tenant's allowlist is refused before any credential is checked.
        try GatewayFixture.check(fixture.gateway.cli("allowlist", "add", "acme", "10.0.0.0/8"))
        #expect(eventually(within: 5) { (try? fixture.sftp(["ls"]).status) != 0 })
        #expect(eventually(within: 5) {
            ((try? fixture.gateway.cli("audit", "list", "--tenant", "acme", "--json").stdout) ?? "").contains("\"reason\" : \"allowlist\"")
        })
    }

    /// One session per user: a second one waits its turn; an idle connection is closed.
    @Test func connectionCapsAndIdleTimeout() throws {
        let fixture = try Fixture(serve: ["--sftp-connections-per-user", "1", "--sftp-idle-timeout", "8"])
        defer { fixture.stop() }
        // `ssh -N` signs in and holds the connection without opening a channel.
        let holder = try ChildProcess(
            "/usr/bin/ssh",
            ["-N", "-i", fixture.keyPath, "-p", String(fixture.gateway.sftpPort), "-o", "StrictHostKeyChecking=no",
             "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "acme.bob@127.0.0.1"],
            environment: ProcessInfo.processInfo.environment, stdoutPath: fixture.gateway.directory.path("holder.out"),
            stderrPath: fixture.gateway.directory.path("holder.err"))
        #expect(eventually(within: 5) {
            ((try? fixture.gateway.cli("audit", "list", "--tenant", "acme", "--json").stdout) ?? "").contains("\"method\" : \"publickey\"")
        })
        #expect(try fixture.sftp(["ls"]).status != 0)
        #expect(fixture.gateway.log().contains("too many sessions for user"))
        // The idle connection is closed after 8 s (long enough for the checks above on a loaded machine),
        // and the slot is free again.
        #expect(eventually(within: 20) { !holder.isRunning })
        #expect(fixture.gateway.log().contains("sftp connection closed: idle"))
        #expect(try fixture.sftp(["ls"]).status == 0)
    }
}
