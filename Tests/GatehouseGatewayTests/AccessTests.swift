import Foundation
import GatehouseTesting
import Testing

/// The access decision as a client meets it: allowlist, ban, credential, role, lifecycle.
struct AccessTests {
    @Test func theAllowlistRefusesBeforeAnyCredentialIsRead() throws {
        let fixture = try GatewayFixture(password: true)
        defer { fixture.stop() }
        try GatewayFixture.check(fixture.gateway.cli("allowlist", "add", "acme", "10.0.0.0/8"))
        #expect(try eventually { try fixture.get("/echo", fixture.bearer).status == 403 })
        let proxiedBefore = fixture.upstream.received.count
        let denied = try fixture.get("/echo", ["-u", "alice:a wrong password here"])
        #expect(denied.status == 403)
        #expect(denied.text.contains("127.0.0.1"))
        #expect(try fixture.get("/echo", fixture.bearer).status == 403)
        #expect(fixture.upstream.received.count == proxiedBefore)
        // No failed sign-in was recorded: the password was never looked at.
        let audit = try fixture.audit()
        #expect(audit.contains { $0["action"] as? String == "access.denied" && ($0["details"] as? [String: String])?["reason"] == "allowlist" })
        #expect(!audit.contains { $0["action"] as? String == "auth.login" })
        try GatewayFixture.check(fixture.gateway.cli("allowlist", "add", "acme", "127.0.0.1/32"))
        #expect(try eventually { try fixture.get("/echo", fixture.bearer).status == 200 })
    }

    @Test func aUserRuleNarrowsTheTenantRule() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        try GatewayFixture.check(fixture.gateway.cli("allowlist", "add", "acme", "127.0.0.0/8"))
        try GatewayFixture.check(fixture.gateway.cli("allowlist", "add", "acme", "127.0.0.2/32", "--user", "alice"))
        #expect(try eventually { try fixture.get("/echo", fixture.bearer).status == 403 })
    }

    @Test func repeatedFailuresBanTheAddress() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        var statuses: [Int] = []
        for attempt in 0..<16 {
            statuses.append(try fixture.get("/echo", ["-H", "Authorization: Bearer gh_\(String(repeating: "A", count: 42))\(attempt % 10)"]).status)
        }
        #expect(statuses.prefix(15).allSatisfy { $0 == 401 }, "\(statuses)")
        let banned = try fixture.get("/echo", fixture.bearer)
        #expect(banned.status == 429)
        #expect(Int(banned.header("retry-after").first ?? "") ?? 0 > 0)
        #expect(fixture.upstream.received.isEmpty)
    }

    @Test func aMissingRoleIsForbidden() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        try GatewayFixture.check(fixture.gateway.cli("user", "add", "acme", "bob", "--role", "backup"))
        let token = try fixture.gateway.cli("user", "token", "create", "acme", "bob").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try eventually { try fixture.get("/echo", ["-H", "Authorization: Bearer \(token)"]).status == 403 })
        #expect(fixture.upstream.received.isEmpty)
    }

    @Test func disabledUsersAndRevokedTokensStopWorking() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        #expect(try fixture.get("/echo", fixture.bearer).status == 200)
        try GatewayFixture.check(fixture.gateway.cli("user", "disable", "acme", "alice"))
        #expect(try eventually { try fixture.get("/echo", fixture.bearer).status == 401 })
        try GatewayFixture.check(fixture.gateway.cli("user", "enable", "acme", "alice"))
        #expect(try eventually { try fixture.get("/echo", fixture.bearer).status == 200 })
        try GatewayFixture.check(fixture.gateway.cli("user", "token", "revoke", "acme", "alice", "1"))
        #expect(try eventually { try fixture.get("/echo", fixture.bearer).status == 401 })
    }

    @Test func aSuspendedTenantGetsAPageSayingSo() throws {
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        try GatewayFixture.check(fixture.gateway.cli("tenant", "suspend", "acme"))
        #expect(try eventually { try fixture.get("/echo", fixture.bearer).status == 403 })
        #expect(try fixture.get("/echo", fixture.bearer).text.contains("suspended"))
        try GatewayFixture.check(fixture.gateway.cli("tenant", "resume", "acme"))
        #expect(try eventually { try fixture.get("/echo", fixture.bearer).status == 200 })
    }

    @Test func forwardedForIsBelievedOnlyFromTrustedProxies() throws {
        let fixture = try GatewayFixture(serve: ["--trusted-proxy", "127.0.0.1/32"])
        defer { fixture.stop() }
        try GatewayFixture.check(fixture.gateway.cli("allowlist", "add", "acme", "203.0.113.0/24"))
        // Once the rule is live, the peer itself (127.0.0.1) is outside it…
        #expect(try eventually { try fixture.get("/echo", fixture.bearer).status == 403 })
        // …but the client it forwards for is inside it.
        #expect(try fixture.get("/echo", fixture.bearer + ["-H", "X-Forwarded-For: 203.0.113.9"]).status == 200)
        let through = try fixture.get("/echo", fixture.bearer + ["-H", "X-Forwarded-For: 203.0.113.9"])
        #expect((through.json["headers"] as? [String: [String]])?["x-forwarded-for"] == ["203.0.113.9, 127.0.0.1"])
        #expect(try fixture.get("/echo", fixture.bearer + ["-H", "X-Forwarded-For: 198.51.100.1"]).status == 403)
        // A forged hop to the left of an untrusted one is ignored.
        #expect(try fixture.get("/echo", fixture.bearer + ["-H", "X-Forwarded-For: 203.0.113.9, 198.51.100.1"]).status == 403)
    }

    @Test func signInPageSessionAndSignOut() throws {
        let fixture = try GatewayFixture(password: true)
        defer { fixture.stop() }
        let jar = fixture.gateway.directory.path("cookies.txt")
        let browser = ["-H", "Accept: text/html", "-b", jar, "-c", jar]
        let redirected = try fixture.get("/app/page", browser)
        #expect(redirected.status == 303)
        #expect(redirected.header("location") == ["/_gatehouse/login?next=/app/page"])
        let form = try fixture.get("/_gatehouse/login?next=/app/page", browser)
        #expect(form.status == 200)
        #expect(form.text.contains("Sign in to Acme Corp"))
        let csrf = try #require(Self.hiddenField("csrf", in: form.text))
        // A forged form (no matching CSRF cookie) is refused.
        let forged = try fixture.get("/_gatehouse/login", ["--data", "csrf=guess&username=alice&password=\(fixture.password)"])
        #expect(forged.status == 403)
        let wrong = try fixture.get("/_gatehouse/login", browser + ["--data-urlencode", "csrf=\(csrf)", "--data-urlencode", "username=alice", "--data-urlencode", "password=nope nope nope"])
        #expect(wrong.status == 401)
        #expect(wrong.text.contains("not right"))
        let csrf2 = try #require(Self.hiddenField("csrf", in: wrong.text))
        let signedIn = try fixture.get(
            "/_gatehouse/login",
            browser + ["--data-urlencode", "csrf=\(csrf2)", "--data-urlencode", "username=alice", "--data-urlencode", "password=\(fixture.password)",
                       "--data-urlencode", "next=/app/page"])
        #expect(signedIn.status == 303)
        #expect(signedIn.header("location") == ["/app/page"])
        let cookie = try #require(signedIn.header("set-cookie").first { $0.hasPrefix("__Host-gatehouse_session=") })
        #expect(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
        let page = try fixture.get("/app/page", browser)
        #expect(page.status == 200)
        #expect((page.json["headers"] as? [String: [String]])?["x-gatehouse-user"] == ["alice"])
        #expect((page.json["headers"] as? [String: [String]])?["cookie"] == nil)
        let logoutPage = try fixture.get("/_gatehouse/logout", browser)
        let logoutToken = try #require(Self.hiddenField("csrf", in: logoutPage.text))
        #expect(try fixture.get("/_gatehouse/logout", browser + ["--data", "csrf=forged"]).status == 403)
        #expect(try fixture.get("/_gatehouse/logout", browser + ["--data-urlencode", "csrf=\(logoutToken)"]).status == 303)
        #expect(try fixture.get("/app/page", browser).status == 303)
        let actions = try fixture.audit().compactMap { $0["action"] as? String }
        #expect(actions.contains("auth.login") && actions.contains("auth.logout"))
    }

    static func hiddenField(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }
}
