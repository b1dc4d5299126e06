import Foundation
import GatehouseTesting
import Testing

struct ServeCLITests {
    /// Starts `gatehouse <arguments>` in the background and waits until its log says it serves.
    func start(_ cli: CLIFixture, _ arguments: [String]) throws -> (ChildProcess, URL) {
        let logURL = cli.directory.url.appendingPathComponent("serve-\(UUID().uuidString).log")
        let process = try ChildProcess(
            cli.gatehouse.path, arguments + ["--data", cli.gatehouse.dataDirectory, "--https-port", "0", "--http-port", "0", "--sftp-port", "0"],
            environment: cli.gatehouse.environment(),
            stdoutPath: logURL.path + ".out", stderrPath: logURL.path)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if (try? String(contentsOf: logURL, encoding: .utf8))?.contains("gateway listening") == true { return (process, logURL) }
            guard process.isRunning else { break }
            usleep(50_000)
        }
        process.wait(seconds: 0)
        Issue.record("gatehouse did not start: \((try? String(contentsOf: logURL, encoding: .utf8)) ?? "")")
        throw CancellationError()
    }

    func waitForExit(_ process: ChildProcess, seconds: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return !process.isRunning
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func serveStopsCleanlyOnSignal(_ signal: Int32) throws {
        let cli = CLIFixture()
        let (process, logURL) = try start(cli, ["serve"])
        process.signal(signal)
        #expect(waitForExit(process), "serve did not stop on signal \(signal)")
        #expect(process.terminationStatus == 0)
        let log = try String(contentsOf: logURL, encoding: .utf8)
        #expect(log.contains("gatehouse stopped cleanly"))
        let actions = try cli.ok("audit", "list").stdout
        #expect(actions.contains("server.start") && actions.contains("server.stop"))
        #expect(actions.contains("audit.checkpoint"))
        #expect(try cli.ok("audit", "verify").stdout.contains("intact"))
    }

    @Test func jsonLogLines() throws {
        let cli = CLIFixture()
        let (process, logURL) = try start(cli, ["serve", "--log-format", "json"])
        process.signal(SIGTERM)
        #expect(waitForExit(process))
        let lines = try String(contentsOf: logURL, encoding: .utf8).split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] != nil && object?["message"] != nil && object?["time"] != nil, "\(line)")
        }
    }

    @Test func demoSetsUpOnceAndServes() throws {
        let cli = CLIFixture()
        let first = try cli.ok("demo", "--no-serve")
        #expect(first.stdout.contains("created tenant demo"))
        #expect(first.stdout.contains("created demo.alice"))
        let before = try cli.snapshot()
        let again = try cli.ok("demo", "--no-serve")
        #expect(again.stdout.contains("already set up"))
        #expect(!again.stdout.contains("shown once"))
        #expect(try cli.snapshot() == before)
        // The printed password really works for the demo user.
        let line = try #require(first.stdout.split(separator: "\n").first { $0.contains("demo.alice") })
        let password = try #require(line.split(separator: " ").drop { $0 != "password" }.dropFirst().first)
        #expect(password.count == 20)
        let users = try #require(try cli.json(try cli.ok("user", "list", "demo", "--json")) as? [[String: Any]])
        #expect(users.count == 3)
        #expect(users.allSatisfy { $0["password"] as? Bool == true })

        let (process, _) = try start(cli, ["demo"])
        process.signal(SIGTERM)
        #expect(waitForExit(process))
        #expect(process.terminationStatus == 0)
    }
}

struct ServeOptionTests {
    @Test func badServeOptionsStopTheStartWithAClearLine() throws {
        let cli = CLIFixture()
        let cases: [([String], String)] = [
            (["--ban-threshold", "0"], "threshold must be positive"),
            (["--max-body", "lots"], "--max-body 'lots' is not a size"),
            (["--bind", "localhost"], "not a valid IPv4 address"),
            (["--trusted-proxy", "10.0.0.1/8"], "host bits set"),
            (["--platform-domain", "bad_domain.test"], "invalid label"),
            (["--upstream-timeout", "0"], "--upstream-timeout 0 must be 1 to 3600 seconds"),
            (["--https-port", "70000"], "--https-port 70000 is not a port number"),
            (["--sftp-port", "65536"], "--sftp-port 65536 is not a port number"),
            (["--trust-root", "/nonexistent.pem"], "cannot read trust root file /nonexistent.pem"),
        ]
        for (arguments, expected) in cases {
            let result = try cli.gatehouse.run(["serve", "--https-port", "0", "--http-port", "0", "--sftp-port", "0"] + arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        }
    }
}
