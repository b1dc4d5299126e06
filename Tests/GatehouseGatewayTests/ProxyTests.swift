import Foundation
import GatehouseTesting
import Testing

/// Requests through the built gateway with curl, to a real upstream on loopback.
struct ProxyTests {
    @Test func proxiesWithTheGatewaysIdentityAndNothingSpoofed() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        let response = try fixture.get(
            "/echo?secret=do-not-log", fixture.bearer
                + ["-H", "X-Gatehouse-User: mallory", "-H", "X-Gatehouse-Roles: admin", "-H", "X-Forwarded-For: 10.9.9.9",
                   "-H", "Cookie: app=1; __Host-gatehouse_session=stolen"])
        #expect(response.status == 200, "\(response.text)")
        let headers = try #require(response.json["headers"] as? [String: [String]])
        #expect(headers["x-gatehouse-user"] == ["alice"])
        #expect(headers["x-gatehouse-tenant"] == ["acme"])
        #expect(headers["x-gatehouse-roles"] == ["user"])
        #expect(headers["authorization"] == nil)
        #expect(headers["x-forwarded-for"] == ["127.0.0.1"])
        #expect(headers["x-forwarded-proto"] == ["https"])
        #expect(headers["x-forwarded-host"] == ["acme.gatehouse.localhost"])
        #expect(headers["cookie"] == ["app=1"])
        #expect(response.json["uri"] as? String == "/echo?secret=do-not-log")
        // Every response carries the security headers; the upstream cannot plant the gateway's cookie.
        #expect(response.header("strict-transport-security").first?.contains("max-age=") == true)
        #expect(response.header("cache-control") == ["no-store"])
        #expect(response.header("x-content-type-options") == ["nosniff"])
        #expect(response.header("set-cookie") == ["app=1; Path=/"])
        // The access log names the request without its query string.
        #expect(eventually { fixture.gateway.log().contains("GET /echo 200") })
        // The whole text line: time, level, label, request, then the fields sorted by name.
        let line = fixture.gateway.log().split(separator: "\n").first { $0.contains("GET /echo 200") }.map(String.init) ?? ""
        let shape = #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info \[gatehouse\.access\] GET /echo 200 bytes_in=0 bytes_out=[1-9]\d* "#
            + #"client=127\.0\.0\.1 host=acme\.gatehouse\.localhost ms=\d+\.\d tenant=acme user=acme\.alice$"#
        #expect(line.range(of: shape, options: .regularExpression) != nil, "\(line)")
        #expect(!fixture.gateway.log().contains("do-not-log"))
        #expect(!fixture.gateway.log().contains(fixture.token))
    }

    /// Access lines in the JSON log format: one object per request with the same fields as the text
    /// lines, and never the query string.
    @Test func accessLinesAsJSON() throws {
        let fixture = try GatewayFixture(serve: ["--log-format", "json"])
        defer { fixture.stop() }
        #expect(try fixture.get("/echo?secret=do-not-log", fixture.bearer).status == 200)
        #expect(eventually { fixture.gateway.log().contains("gatehouse.access") })
        let lines = fixture.gateway.log().split(separator: "\n").filter { $0.contains("gatehouse.access") }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: String], "\(lines[0])")
        #expect(object["label"] == "gatehouse.access" && object["level"] == "info")
        #expect(object["message"] == "GET /echo 200")
        #expect(object["tenant"] == "acme" && object["user"] == "acme.alice" && object["client"] == "127.0.0.1")
        #expect(object["host"] == "acme.gatehouse.localhost")
        #expect(object["bytes_in"] == "0" && Int(object["bytes_out"] ?? "") ?? 0 > 0 && object["ms"]?.contains(".") == true)
        #expect(object["cards"] == nil)
        #expect(!fixture.gateway.log().contains("do-not-log"))
    }

    /// One keep-alive connection, a role granted between its first two requests: the second carries
    /// the new roles (the identity the gateway keeps per connection follows the user's roles); the
    /// token revoked before the third: it is refused (the connection keeps only the token's digest,
    /// never the grant).
    @Test func identityFollowsRoleChangesOnAKeptConnection() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        let python = try #require(ProcessRunner.which("python3"), "python3 is installed by .ci/run")
        let directory = fixture.gateway.directory
        let go = directory.path("go")
        let client = directory.path("client.py")
        try """
            import json, os, socket, ssl, sys, time
            ca, port, host, token, go = sys.argv[1:6]
            tls = ssl.create_default_context(cafile=ca).wrap_socket(socket.create_connection(("127.0.0.1", int(port))), server_hostname=host)
            def ask(path):
                tls.sendall(f"GET {path} HTTP/1.1\\r\\nHost: {host}\\r\\nAuthorization: Bearer {token}\\r\\n\\r\\n".encode())
                data = b""
                while b"\\r\\n\\r\\n" not in data:
                    data += tls.recv(65536)
                head, _, body = data.partition(b"\\r\\n\\r\\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\\r\\n") if line.lower().startswith(b"content-length:"))
                while len(body) < length:
                    body += tls.recv(65536)
                if not head.startswith(b"HTTP/1.1 200"):
                    print(path, head.split(b"\\r\\n")[0].decode(), flush=True)
                    return
                print(path, ",".join(json.loads(body)["headers"]["x-gatehouse-roles"]), flush=True)
            def wait(name):
                deadline = time.time() + 30
                while not os.path.exists(name) and time.time() < deadline:
                    time.sleep(0.05)
            ask("/echo?first")
            wait(go)
            ask("/echo?second")
            wait(go + "2")
            ask("/echo?third")
            """.write(toFile: client, atomically: true, encoding: .utf8)
        let output = directory.path("client.out")
        let host = "acme.\(fixture.gateway.platformDomain)"
        let process = try ChildProcess(
            python, [client, fixture.gateway.caPath, String(fixture.gateway.httpsPort), host, fixture.token, go],
            environment: ProcessInfo.processInfo.environment, stdoutPath: output, stderrPath: directory.path("client.err"))
        #expect(
            eventually(within: 10) { ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("/echo?first user") },
            "\((try? String(contentsOfFile: directory.path("client.err"), encoding: .utf8)) ?? "")")
        try GatewayFixture.check(fixture.gateway.cli("user", "role", "add", "acme", "alice", "admin"))
        // Once a new connection sees the new roles, the configuration has reloaded.
        #expect(eventually(within: 10) {
            ((try? fixture.get("/echo", fixture.bearer).json["headers"] as? [String: [String]])??["x-gatehouse-roles"]) == ["admin,user"]
        })
        FileManager.default.createFile(atPath: go, contents: Data())
        #expect(eventually(within: 10) { ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("/echo?second") })
        try GatewayFixture.check(fixture.gateway.cli("user", "token", "revoke", "acme", "alice", "1"))
        #expect(eventually(within: 10) { (try? fixture.get("/echo", fixture.bearer).status) == 401 })
        FileManager.default.createFile(atPath: go + "2", contents: Data())
        #expect(process.wait(seconds: 30) == 0, "\((try? String(contentsOfFile: directory.path("client.err"), encoding: .utf8)) ?? "")")
        let lines = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(lines == ["/echo?first user", "/echo?second admin,user", "/echo?third HTTP/1.1 401 Unauthorized"])
    }

    @Test func basicAuthenticationAndWrongPasswords() throws {
        let fixture = try GatewayFixture(password: true)
        defer { fixture.stop() }
        #expect(try fixture.get("/echo", ["-u", "alice:\(fixture.password)"]).status == 200)
        let wrong = try fixture.get("/echo", ["-u", "alice:not the password"])
        #expect(wrong.status == 401)
        #expect(wrong.header("www-authenticate").contains { $0.hasPrefix("Basic realm=\"acme\"") })
        #expect(try fixture.get("/echo", ["-u", "nobody:whatever-password"]).status == 401)
        #expect(try fixture.get("/echo").status == 401)
        #expect(fixture.upstream.received.count == 1)
        let failures = try fixture.audit().filter { $0["action"] as? String == "auth.login" && $0["outcome"] as? String == "failure" }
        #expect(!failures.isEmpty)
        #expect(!(try fixture.gateway.cli("audit", "list", "--json").stdout.contains("not the password")))
    }

    @Test func unknownHostsNeverReachAnUpstream() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        for host in ["nobody.gatehouse.localhost", "a.b.gatehouse.localhost", "www.example.com"] {
            // --insecure: the platform certificate does not cover these names; routing is what is tested.
            let response = try fixture.get("/echo", host: host, fixture.bearer + ["--insecure"])
            #expect(response.status == 404, "\(host): \(response.status) \(response.error)")
        }
        #expect(fixture.upstream.received.isEmpty)
    }

    @Test func aHostOtherThanTheTLSServerNameIsMisdirected() throws {
        let fixture = try GatewayFixture(beforeStart: { gateway in
            try GatewayFixture.check(gateway.cli("tenant", "create", "beta", "--upstream", "http://127.0.0.1:9"))
        })
        defer { fixture.stop() }
        let response = try fixture.get("/echo", fixture.bearer + ["-H", "Host: beta.gatehouse.localhost"])
        #expect(response.status == 421)
        #expect(fixture.upstream.received.isEmpty)
    }

    @Test func plainHTTPOnlyRedirects() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        let response = try fixture.gateway.curl("/path/x?y=1", arguments: fixture.bearer, scheme: "http")
        #expect(response.status == 301)
        #expect(response.header("location") == ["https://acme.gatehouse.localhost:\(fixture.gateway.httpsPort)/path/x?y=1"])
        #expect(fixture.upstream.received.isEmpty)
    }

    @Test func bodiesStreamBothWaysIntact() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        let file = fixture.gateway.directory.path("upload.bin")
        var bytes = [UInt8](repeating: 0, count: 24 * 1024 * 1024)
        for index in stride(from: 0, to: bytes.count, by: 4096) { bytes[index] = UInt8(truncatingIfNeeded: index / 4096) }
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let sha = try ProcessRunner.run("/usr/bin/sha256sum", [file]).stdout.prefix(64)
        let upload = try fixture.get("/upload", fixture.bearer + ["--data-binary", "@\(file)", "-H", "Content-Type: application/octet-stream"])
        #expect(upload.status == 200)
        #expect(upload.json["bodyBytes"] as? Int == bytes.count)
        #expect(upload.json["bodySHA256"] as? String == String(sha))
        let chunked = try fixture.get("/upload", fixture.bearer + ["--data-binary", "@\(file)", "-H", "Transfer-Encoding: chunked"])
        #expect(chunked.json["bodyBytes"] as? Int == bytes.count)
        let download = try fixture.get("/bytes/30000000", fixture.bearer)
        #expect(download.status == 200)
        #expect(download.body.count == 30_000_000)
    }

    @Test func oversizedBodiesAreRefused() throws {
        let fixture = try GatewayFixture(serve: ["--max-body", "1k"])
        defer { fixture.stop() }
        let declared = try fixture.get("/upload", fixture.bearer + ["--data-binary", String(repeating: "x", count: 2048)])
        #expect(declared.status == 413)
        let streamed = try fixture.get(
            "/upload", fixture.bearer + ["--data-binary", String(repeating: "y", count: 4096), "-H", "Transfer-Encoding: chunked"])
        #expect(streamed.status == 413 || streamed.status == 0, "\(streamed.status)")
        #expect(try fixture.get("/upload", fixture.bearer + ["--data-binary", "small"]).status == 200)
    }

    @Test func upstreamFailuresHaveClearPages() throws {
        let fixture = try GatewayFixture(serve: ["--upstream-timeout", "1"], beforeStart: { gateway in
            try GatewayFixture.check(gateway.cli("tenant", "create", "gone", "--upstream", "http://127.0.0.1:9"))
            try GatewayFixture.check(gateway.cli("user", "add", "gone", "bob", "--role", "user"))
        })
        defer { fixture.stop() }
        let slow = try fixture.get("/slow", fixture.bearer)
        #expect(slow.status == 504)
        #expect(slow.text.contains("did not answer in time"))
        // On a kept connection the deadline is the second request's own: its timer follows on from the first's.
        let host = "acme.gatehouse.localhost", port = fixture.gateway.httpsPort
        let kept = try ProcessRunner.run(
            ProcessRunner.which("curl") ?? "/usr/bin/curl",
            ["-s", "--cacert", fixture.gateway.caPath, "--resolve", "\(host):\(port):127.0.0.1", "-H", "Authorization: Bearer \(fixture.token)",
             "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\\n",
             "https://\(host):\(port)/echo", "https://\(host):\(port)/slow"], timeout: 30)
        #expect(kept.stdout == "200 1\n504 0\n", "\(kept.stdout) \(kept.stderr)")
        let closed = try fixture.get("/close", fixture.bearer)
        #expect(closed.status == 502)
        let bob = try fixture.gateway.cli("user", "token", "create", "gone", "bob").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try eventually { try fixture.get("/", host: "gone.gatehouse.localhost", ["-H", "Authorization: Bearer \(bob)"]).status == 502 })
        let down = try fixture.get("/", host: "gone.gatehouse.localhost", ["-H", "Authorization: Bearer \(bob)"])
        #expect(down.text.contains("could not be reached"))
        // The gateway is still fine afterwards.
        #expect(try fixture.get("/echo", fixture.bearer).status == 200)
    }

    /// An upstream that drops a pooled connection gets the request once more, on a new connection,
    /// never again on another pooled one: with idle connections in the pool, a request the upstream
    /// keeps closing on reaches it exactly twice.
    @Test func aRequestIsReplayedAtMostOnce() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        // Six overlapping requests leave six idle upstream connections, spread over the event loops.
        let host = "acme.gatehouse.localhost", port = fixture.gateway.httpsPort
        let url = "https://\(host):\(port)/slow"
        let parallel = try ProcessRunner.run(
            ProcessRunner.which("curl") ?? "/usr/bin/curl",
            ["-s", "-Z", "--parallel-immediate", "--cacert", fixture.gateway.caPath, "--resolve", "\(host):\(port):127.0.0.1",
             "-H", "Authorization: Bearer \(fixture.token)", "-w", "%{http_code}\\n"]
                + Array(repeating: ["-o", "/dev/null", url], count: 6).flatMap { $0 }, timeout: 30)
        #expect(parallel.stdout.split(separator: "\n") == Array(repeating: "200", count: 6), "\(parallel.stdout) \(parallel.stderr)")
        for _ in 0..<4 {
            let closed = try fixture.get("/close", fixture.bearer)
            #expect(closed.status == 502)
        }
        #expect(fixture.upstream.received.filter { $0.uri == "/close" }.count == 8)
    }

    @Test func ambiguousFramingIsRefusedAndTheConnectionClosed() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        let host = "acme.gatehouse.localhost"
        let auth = "Authorization: Bearer \(fixture.token)\r\n"
        let attacks = [
            "POST /echo HTTP/1.1\r\nHost: \(host)\r\n\(auth)Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST /echo HTTP/1.1\r\nHost: \(host)\r\n\(auth)Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            "POST /echo HTTP/1.1\r\nHost: \(host)\r\n\(auth)Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            "POST /echo HTTP/1.1\r\nHost: \(host)\r\n\(auth)Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
            "GET /echo HTTP/1.1\r\nHost: \(host)\r\nHost: other.example\r\n\(auth)\r\n",
        ]
        for attack in attacks {
            let reply = try fixture.gateway.rawTLS(attack)
            #expect(reply.hasPrefix("HTTP/1.1 400"), "\(attack.debugDescription) → \(reply.prefix(80).debugDescription)")
        }
        #expect(fixture.upstream.received.isEmpty)
    }

    /// Bytes that are not an HTTP/1 request get their own status and reason, with the security
    /// headers, and end the connection; a request pipelined before them is still answered.
    @Test func unreadableRequestsGetTheirOwnStatusAndReason() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        let host = "Host: acme.gatehouse.localhost\r\nAuthorization: Bearer \(fixture.token)\r\n"
        let cases: [(String, String, String)] = [
            ("GET /echo HTTP/2.0\r\n\(host)\r\n", "HTTP/1.1 505", "speaks HTTP/1.1 and HTTP/1.0"),
            ("GET /echo HTTP/1.1\r\n\(host)X-Big: \(String(repeating: "b", count: 70_000))\r\n\r\n", "HTTP/1.1 431", "over 64 KiB"),
            ("GET /a\u{1}b HTTP/1.1\r\n\(host)\r\n", "HTTP/1.1 400", "percent-encode it"),
            ("GET /echo HTTP/1.1\r\n\(host)X-A: 1\r\n  folded\r\n\r\n", "HTTP/1.1 400", "folded over lines"),
        ]
        for (request, status, reason) in cases {
            let reply = try fixture.gateway.rawTLS(request)
            #expect(reply.hasPrefix(status), "\(request.prefix(60).debugDescription) → \(reply.prefix(80).debugDescription)")
            #expect(reply.contains(reason), "\(reply.prefix(400))")
            #expect(reply.lowercased().contains("strict-transport-security: max-age="))
            #expect(reply.lowercased().contains("connection: close"))
        }
        #expect(fixture.upstream.received.isEmpty)

        let pipelined = try fixture.gateway.rawTLS("GET /echo HTTP/1.1\r\n\(host)\r\nG@T /echo HTTP/1.1\r\n\(host)\r\n")
        #expect(pipelined.hasPrefix("HTTP/1.1 200"), "\(pipelined.prefix(80).debugDescription)")
        #expect(pipelined.contains("HTTP/1.1 400 Bad Request"), "\(pipelined.suffix(400))")
        #expect(pipelined.contains("The request method has a character not allowed in one."))
        #expect(fixture.upstream.received.map(\.uri) == ["/echo"])
    }
}

struct DrainTests {
    /// SIGTERM lets a request in flight finish before the server exits, and refuses new connections.
    @Test func sigtermDrainsRequestsInFlight() throws {
        let fixture = try GatewayFixture()
        defer { fixture.upstream.shutdown() }
        final class Box: @unchecked Sendable { var status = -1 }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let gateway = fixture.gateway, bearer = fixture.bearer
        DispatchQueue.global().async {
            box.status = (try? gateway.curl("/slow", arguments: bearer).status) ?? -2
            done.signal()
        }
        #expect(eventually { fixture.upstream.received.contains { $0.uri == "/slow" } })
        let exit = fixture.gateway.stop()
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(box.status == 200)
        #expect(exit == 0)
        #expect(fixture.gateway.log().contains("finishing open requests"))
    }
}

/// Requests crafted to make the gateway and the upstream disagree, or to leave the tenant's site.
struct DesyncTests {
    @Test func connectionCannotStripTheFraming() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        let smuggled = "GET /smuggled HTTP/1.1\r\nHost: acme.gatehouse.localhost\r\n\r\n"
        let request = "GET /echo HTTP/1.1\r\nHost: acme.gatehouse.localhost\r\nAuthorization: Bearer \(fixture.token)\r\n"
            + "Content-Length: \(smuggled.utf8.count)\r\nConnection: content-length, close\r\n\r\n" + smuggled
        let reply = try fixture.gateway.rawTLS(request)
        #expect(reply.hasPrefix("HTTP/1.1 200"), "\(reply.prefix(60))")
        #expect(eventually { !fixture.upstream.received.isEmpty })
        #expect(fixture.upstream.received.map(\.uri) == ["/echo"])
        #expect(fixture.upstream.received.first?.bodyBytes == smuggled.utf8.count)
    }

    /// Requests pipelined in one write are answered in order, each after the one before it, whether
    /// the gateway answers itself or the upstream does.
    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        let host = "Host: acme.gatehouse.localhost\r\n"
        let auth = "Authorization: Bearer \(fixture.token)\r\n"
        let pipelined = "GET /slow HTTP/1.1\r\n\(host)\(auth)\r\n"  // the upstream takes 3 s
            + "GET /echo?second HTTP/1.1\r\n\(host)\r\n"  // no credential: the gateway answers 401
            + "POST /echo?third HTTP/1.1\r\n\(host)\(auth)Content-Length: 5\r\n\r\nhello"
            + "GET /echo?fourth HTTP/1.1\r\n\(host)\(auth)Connection: close\r\n\r\n"
        let reply = try fixture.gateway.rawTLS(pipelined)
        // Bodies do not end in a newline, so status lines are found by their prefix.
        let statuses = reply.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
        #expect(statuses == ["200", "401", "200", "200"], "\(reply)")
        #expect(reply.range(of: "slow")!.lowerBound < reply.range(of: "/echo?third")!.lowerBound)
        #expect(reply.range(of: "/echo?third")!.lowerBound < reply.range(of: "/echo?fourth")!.lowerBound)
        #expect(fixture.upstream.received.map(\.uri) == ["/slow", "/echo?third", "/echo?fourth"])
        #expect(fixture.upstream.received.map(\.bodyBytes) == [0, 5, 0])
    }

    @Test func targetsMustStayOnTheSite() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        let base = "Host: acme.gatehouse.localhost\r\nAuthorization: Bearer \(fixture.token)\r\nConnection: close\r\n\r\n"
        #expect(try fixture.gateway.rawTLS("TRACE /echo HTTP/1.1\r\n" + base).hasPrefix("HTTP/1.1 405"))
        #expect(try fixture.gateway.rawTLS("GET https://beta.gatehouse.localhost/echo HTTP/1.1\r\n" + base).hasPrefix("HTTP/1.1 400"))
        #expect(try fixture.gateway.rawTLS("GET /a/../../etc/passwd HTTP/1.1\r\n" + base).hasPrefix("HTTP/1.1 400"))
        #expect(try fixture.gateway.rawTLS("GET /a/%2e%2e/b HTTP/1.1\r\n" + base).hasPrefix("HTTP/1.1 400"))
        #expect(fixture.upstream.received.isEmpty)
        let absolute = try fixture.gateway.rawTLS("GET https://acme.gatehouse.localhost/echo?x=1 HTTP/1.1\r\n" + base)
        #expect(absolute.hasPrefix("HTTP/1.1 200"))
        #expect(fixture.upstream.received.map(\.uri) == ["/echo?x=1"])
    }

    @Test func spoofedIdentityWithUnderscoresIsStripped() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        let response = try fixture.get("/echo", fixture.bearer + ["-H", "X-Gatehouse_User: mallory", "-H", "X_Forwarded_For: 1.2.3.4"])
        let headers = try #require(response.json["headers"] as? [String: [String]])
        #expect(headers["x-gatehouse_user"] == nil)
        #expect(headers["x-gatehouse-user"] == ["alice"])
        #expect(headers["x_forwarded_for"] == nil)
    }

    /// Field names in any case: hop-by-hop, Connection-named and forwarding fields never cross the
    /// gateway in either direction, the upstream cannot weaken the security fields, others pass.
    @Test func hopByHopAndPrivateFieldsAreDroppedWhateverTheirCase() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        let response = try fixture.get(
            "/hop", fixture.bearer
                + ["-H", "TE: trailers", "-H", "KEEP-ALIVE: 300", "-H", "Proxy-Authorization: Basic eDp5", "-H", "CONNECTION: X-Drop-Me",
                   "-H", "X-DROP-ME: 1", "-H", "X-Real-IP: 10.1.1.1", "-H", "FORWARDED: for=10.1.1.1", "-H", "X-GATEHOUSE-TENANT: evil",
                   "-H", "X-Forwarded-Host: evil.example", "-H", "X-Custom-Header-Kept: yes", "-H", "Upgrade: h2c"])
        #expect(response.status == 200, "\(response.text)")
        let headers = try #require(response.json["headers"] as? [String: [String]])
        for dropped in ["te", "keep-alive", "proxy-authorization", "x-drop-me", "x-real-ip", "forwarded", "upgrade", "authorization"] {
            #expect(headers[dropped] == nil, "\(dropped) reached the upstream")
        }
        #expect(headers["x-gatehouse-tenant"] == ["acme"])
        #expect(headers["x-forwarded-host"] == ["acme.gatehouse.localhost"])
        #expect(headers["x-custom-header-kept"] == ["yes"])

        for dropped in ["keep-alive", "x-upstream-private", "upgrade"] {
            #expect(response.header(dropped).isEmpty, "\(dropped) reached the client")
        }
        #expect(response.header("cache-control") == ["no-store"])
        #expect(response.header("strict-transport-security") == ["max-age=31536000; includeSubDomains"])
        #expect(response.header("x-content-type-options") == ["nosniff"])
        #expect(response.header("set-cookie") == ["app=1; Path=/"])
        #expect(response.header("x-upstream-kept") == ["yes"])
    }

    /// A client that sends `Expect: 100-continue` gets its `100 Continue` at once, whether its body is
    /// collected for tokenization or streamed to the upstream (curl would otherwise wait 5 s, then send).
    @Test func expectContinueIsAnswered() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        let host = "acme.gatehouse.localhost", port = fixture.gateway.httpsPort
        func post() throws -> [Substring] {
            let run = try ProcessRunner.run(
                ProcessRunner.which("curl") ?? "/usr/bin/curl",
                ["-s", "--cacert", fixture.gateway.caPath, "--resolve", "\(host):\(port):127.0.0.1", "-H", "Authorization: Bearer \(fixture.token)",
                 "-H", "Expect: 100-continue", "--expect100-timeout", "5", "--data-binary", String(repeating: "x", count: 4000),
                 "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "https://\(host):\(port)/upload"], timeout: 30)
            return run.stdout.split(separator: " ")
        }
        let collected = try post()
        #expect(collected.first == "200" && (Double(collected.last ?? "") ?? 99) < 3, "\(collected)")
        // Tokenization off: the body streams to the upstream (responses are no longer masked once it applies).
        try GatewayFixture.check(fixture.gateway.cli("tenant", "set", "acme", "--tokenization", "off"))
        #expect(eventually(within: 10) { (try? fixture.get("/card", fixture.bearer).text.contains("4111 1111 1111 1111")) == true })
        let streamed = try post()
        #expect(streamed.first == "200" && (Double(streamed.last ?? "") ?? 99) < 3, "\(streamed)")
        #expect(fixture.upstream.received.filter { $0.uri == "/upload" }.map(\.bodyBytes) == [4000, 4000])
    }

    @Test func signInNeverRedirectsOffTheSite() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        for next in ["/%09/evil.example", "//evil.example", "/\\evil.example", "https://evil.example", "/%2f%2fevil.example"] {
            let encoded = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let page = try fixture.get("/_gatehouse/login?next=\(encoded)")
            #expect(AccessTests.hiddenField("next", in: page.text) == "/", "\(next)")
        }
    }
}
