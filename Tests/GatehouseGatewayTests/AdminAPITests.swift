import Foundation
import GatehouseTesting
import Testing

/// The admin API at https://admin.gatehouse.localhost/api/v1, driven with curl.
struct AdminAPITests {
    /// A gateway with tenants acme and beta, operator olga and acme admin carol.
    struct AdminFixture {
        let fixture: GatewayFixture
        let operatorToken: String
        let adminToken: String

        init() throws {
            var operatorToken = "", adminToken = ""
            fixture = try GatewayFixture(serve: ["--policies", AdminAPITests.policies], beforeStart: { gateway in
                try GatewayFixture.check(gateway.cli("tenant", "create", "beta", "--upstream", "http://127.0.0.1:9"))
                try GatewayFixture.check(gateway.cli("user", "add", "platform", "olga", "--role", "operator"))
                operatorToken = try gateway.cli("user", "token", "create", "platform", "olga").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                try GatewayFixture.check(gateway.cli("user", "add", "acme", "carol", "--role", "admin"))
                adminToken = try gateway.cli("user", "token", "create", "acme", "carol").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            })
            self.operatorToken = operatorToken
            self.adminToken = adminToken
        }

        func call(_ method: String, _ path: String, token: String?, json: String? = nil, extra: [String] = []) throws -> RunningGateway.HTTPResult {
            var arguments = ["-X", method]
            if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
            if let json { arguments += ["-H", "Content-Type: application/json", "--data-binary", json] }
            return try fixture.gateway.curl("/api/v1" + path, host: "admin.gatehouse.localhost", arguments: arguments + extra)
        }

        func errorCode(_ result: RunningGateway.HTTPResult) -> String? {
            (result.json["error"] as? [String: Any])?["code"] as? String
        }
    }

    @Test func operatorsManageEveryTenant() throws {
        let admin = try AdminFixture()
        defer { admin.fixture.stop() }
        let tenants = try admin.call("GET", "/tenants", token: admin.operatorToken)
        #expect(tenants.status == 200)
        #expect(tenants.text.contains("\"acme\"") && tenants.text.contains("\"beta\""))
        #expect(tenants.header("content-type") == ["application/json"])
        let created = try admin.call("POST", "/tenants/beta/users", token: admin.operatorToken, json: #"{"name":"dora","roles":["user","backup"]}"#)
        #expect(created.status == 201, "\(created.text)")
        #expect(try admin.call("PUT", "/tenants/beta/users/dora/roles", token: admin.operatorToken, json: #"{"roles":["auditor"]}"#).status == 200)
        let token = try admin.call("POST", "/tenants/beta/users/dora/tokens", token: admin.operatorToken, json: #"{"expires":"2099-01-01"}"#)
        #expect(token.status == 201)
        #expect((token.json["token"] as? String)?.hasPrefix("gh_") == true)
        let listed = try admin.call("GET", "/tenants/beta/users", token: admin.operatorToken)
        #expect(listed.text.contains("\"dora\"") && listed.text.contains("auditor"))
        #expect(!listed.text.contains(token.json["token"] as? String ?? "-"))
        // Every change is attributed to the operator.
        let audit = try admin.fixture.audit(tenant: "beta")
        #expect(audit.contains {
            $0["action"] as? String == "user.add" && $0["actor"] as? String == "user:platform.olga" && $0["source"] as? String == "127.0.0.1"
        })
        #expect(audit.contains { $0["action"] as? String == "user.roles" && $0["actor"] as? String == "user:platform.olga" })
    }

    @Test func tenantAdminsManageTheirOwnTenantOnly() throws {
        let admin = try AdminFixture()
        defer { admin.fixture.stop() }
        #expect(try admin.call("POST", "/tenants/acme/users", token: admin.adminToken, json: #"{"name":"erin","roles":["user"]}"#).status == 201)
        let sshKeygen = try #require(ProcessRunner.which("ssh-keygen"))
        let keyPath = admin.fixture.gateway.directory.path("erin")
        _ = try ProcessRunner.run(sshKeygen, ["-q", "-t", "ed25519", "-N", "", "-f", keyPath])
        let publicKey = try String(contentsOfFile: keyPath + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let key = try admin.call("POST", "/tenants/acme/users/erin/keys", token: admin.adminToken, json: "{\"publicKey\":\"\(publicKey)\"}")
        #expect(key.status == 201, "\(key.text)")
        #expect(try admin.call("POST", "/tenants/acme/allowlist", token: admin.adminToken, json: #"{"cidr":"127.0.0.0/8"}"#).status == 201)
        let rules = try admin.call("GET", "/tenants/acme/allowlist", token: admin.adminToken)
        #expect(rules.text.contains("127.0.0.0/8"))
        let other = try admin.call("GET", "/tenants/beta/users", token: admin.adminToken)
        #expect(other.status == 403)
        #expect(admin.errorCode(other) == "forbidden")
        let tenants = try admin.call("GET", "/tenants", token: admin.adminToken)
        #expect(tenants.text.contains("\"acme\"") && !tenants.text.contains("\"beta\""))
        // alice has the role user only: no admin rights.
        let plain = try admin.call("GET", "/tenants/acme/users", token: admin.fixture.token)
        #expect(plain.status == 403)
        #expect(try admin.call("POST", "/tenants/acme/users", token: admin.adminToken, json: #"{"name":"op","roles":["operator"]}"#).status == 400)
    }

    @Test func errorsAreJSONWithTheRightStatus() throws {
        let admin = try AdminFixture()
        defer { admin.fixture.stop() }
        let anonymous = try admin.call("GET", "/tenants", token: nil)
        #expect(anonymous.status == 401)
        #expect(admin.errorCode(anonymous) == "unauthenticated")
        let wrong = try admin.call("GET", "/tenants", token: "gh_" + String(repeating: "B", count: 43))
        #expect(wrong.status == 401)
        let cases: [(String, String, String?, Int, String)] = [
            ("POST", "/tenants/acme/users", "not json", 400, "invalidInput"),
            ("POST", "/tenants/acme/users", #"{"name":"Bad Name","roles":["user"]}"#, 400, "invalidInput"),
            ("POST", "/tenants/acme/users", #"{"name":"alice","roles":["user"]}"#, 409, "conflict"),
            ("DELETE", "/tenants/acme/users/ghost", nil, 404, "notFound"),
            ("POST", "/tenants/acme/allowlist", #"{"cidr":"10.0.0.1/8"}"#, 400, "invalidInput"),
            ("GET", "/tenants/nope/users", nil, 404, "notFound"),
            ("GET", "/nothing", nil, 404, "notFound"),
            ("PUT", "/tenants/acme/domains/erp.acme.test/certificate", #"{"certificate":"x","privateKey":"y"}"#, 404, "notFound"),
        ]
        for (method, path, body, status, code) in cases {
            let result = try admin.call(method, path, token: admin.operatorToken, json: body)
            #expect(result.status == status, "\(method) \(path): \(result.status) \(result.text)")
            #expect(admin.errorCode(result) == code, "\(method) \(path): \(result.text)")
            #expect(((result.json["error"] as? [String: Any])?["message"] as? String)?.isEmpty == false)
        }
    }

    @Test func certificatesUploadAsJSONOrMultipartAndAreServed() throws {
        let admin = try AdminFixture()
        defer { admin.fixture.stop() }
        let ca = try TestCertificateAuthority()
        // The test root is uploaded with the chain, so it is accepted with a warning.
        #expect(try admin.call("POST", "/tenants/acme/domains", token: admin.adminToken, json: #"{"hostname":"erp.acme.test"}"#).status == 201)
        #expect(try admin.call("POST", "/tenants/acme/domains", token: admin.adminToken, json: #"{"hostname":"shop.acme.gatehouse.localhost"}"#).status == 400)
        let first = try ca.issue(.init(names: ["erp.acme.test"]))
        let body = try JSONSerialization.data(withJSONObject: ["certificate": first.fullChainPEM + first.rootPEM, "privateKey": first.keyPEM])
        let uploaded = try admin.call("PUT", "/tenants/acme/domains/erp.acme.test/certificate", token: admin.adminToken, json: String(decoding: body, as: UTF8.self))
        #expect(uploaded.status == 200, "\(uploaded.text)")
        #expect((uploaded.json["warnings"] as? [String])?.first?.contains("browsers must be told to trust it") == true)
        #expect(try eventually { try admin.fixture.gateway.presentedCertificate(serverName: "erp.acme.test").subject.contains("erp.acme.test") })

        let second = try ca.issue(.init(names: ["erp.acme.test"]))
        let directory = admin.fixture.gateway.directory
        try (second.fullChainPEM + second.rootPEM).write(toFile: directory.path("mp-chain.pem"), atomically: true, encoding: .utf8)
        try second.keyPEM.write(toFile: directory.path("mp-key.pem"), atomically: true, encoding: .utf8)
        let multipart = try admin.call(
            "PUT", "/tenants/acme/domains/erp.acme.test/certificate", token: admin.adminToken,
            extra: ["-F", "certificate=<\(directory.path("mp-chain.pem"))", "-F", "privateKey=<\(directory.path("mp-key.pem"))"])
        #expect(multipart.status == 200, "\(multipart.text)")
        #expect(multipart.json["fingerprint"] as? String != uploaded.json["fingerprint"] as? String)

        let wrongKey = try JSONSerialization.data(withJSONObject: ["certificate": first.fullChainPEM + first.rootPEM, "privateKey": second.keyPEM])
        let refused = try admin.call("PUT", "/tenants/acme/domains/erp.acme.test/certificate", token: admin.adminToken, json: String(decoding: wrongKey, as: UTF8.self))
        #expect(refused.status == 400)
        #expect(((refused.json["error"] as? [String: Any])?["message"] as? String)?.contains("does not match") == true)
        // A tenant admin cannot upload for another tenant's domain.
        #expect(try admin.call("PUT", "/tenants/beta/domains/erp.acme.test/certificate", token: admin.adminToken, json: "{}").status == 403)
    }
}

extension AdminAPITests {
    static var policies: String { RepositoryRoot.policies.path }

    @Test func auditorsExportTheirTenantsEvidence() throws {
        let admin = try AdminFixture()
        defer { admin.fixture.stop() }
        let gateway = admin.fixture.gateway
        try GatewayFixture.check(gateway.cli("user", "add", "acme", "audrey", "--role", "auditor"))
        let auditorToken = try gateway.cli("user", "token", "create", "acme", "audrey").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        func body(_ tenant: String?, framework: String = "soc2") -> String {
            #"{"framework":"\#(framework)","from":"\#(today)","to":"\#(today)""# + (tenant.map { #","tenant":"\#($0)"}"# } ?? "}")
        }
        // The new auditor reaches the running server with the next configuration reload.
        var bundle = try admin.call("GET", "/tenants", token: auditorToken)
        #expect(try eventually(within: 5) { try admin.call("GET", "/tenants", token: auditorToken).status == 200 })
        bundle = try admin.call("POST", "/evidence", token: auditorToken, json: body("acme"))
        #expect(bundle.status == 200, "\(bundle.text)")
        #expect(bundle.header("content-type") == ["application/zip"])
        let file = gateway.directory.path("acme-soc2.zip")
        try bundle.body.write(to: URL(fileURLWithPath: file))
        let verified = try gateway.gatehouse.runBare(["evidence", "verify", file])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        #expect(try admin.fixture.audit(tenant: "acme").contains {
            $0["action"] as? String == "evidence.export" && $0["actor"] as? String == "user:acme.audrey"
        })

        let otherTenant = try admin.call("POST", "/evidence", token: auditorToken, json: body("beta"))
        #expect(otherTenant.status == 403 && admin.errorCode(otherTenant) == "forbidden")
        let allTenants = try admin.call("POST", "/evidence", token: auditorToken, json: body(nil))
        #expect(allTenants.status == 403 && allTenants.text.contains("only platform operators"))
        let tenantAdmin = try admin.call("POST", "/evidence", token: admin.adminToken, json: body("acme"))
        #expect(tenantAdmin.status == 403 && tenantAdmin.text.contains("evidence.export"))
        let badFramework = try admin.call("POST", "/evidence", token: auditorToken, json: body("acme", framework: "iso"))
        #expect(badFramework.status == 400 && badFramework.text.contains("unknown framework"))
        let operatorBundle = try admin.call("POST", "/evidence", token: admin.operatorToken, json: body(nil, framework: "pipeda"))
        #expect(operatorBundle.status == 200 && operatorBundle.body.count > 10_000)
    }
}

struct AdminAPIHardeningTests {
    @Test func browsersCannotDriveTheAPICrossSite() throws {
        let admin = try AdminAPITests.AdminFixture()
        defer { admin.fixture.stop() }
        let plain = try admin.call(
            "POST", "/tenants/acme/users", token: admin.adminToken,
            extra: ["-H", "Content-Type: text/plain", "--data-binary", #"{"name":"eve","roles":["admin"]}"#])
        #expect(plain.status == 400)
        #expect(admin.errorCode(plain) == "invalidInput")
        let crossSite = try admin.call(
            "POST", "/tenants/acme/users", token: admin.adminToken, json: #"{"name":"eve","roles":["admin"]}"#,
            extra: ["-H", "Origin: https://evil.example"])
        #expect(crossSite.status == 403)
        #expect(!(try admin.call("GET", "/tenants/acme/users", token: admin.adminToken).text.contains("\"eve\"")))
    }

    @Test func theAllowlistComesBeforeTheAdminsPassword() throws {
        let admin = try AdminAPITests.AdminFixture()
        defer { admin.fixture.stop() }
        try GatewayFixture.check(admin.fixture.gateway.cli("allowlist", "add", "acme", "10.0.0.0/8"))
        #expect(try eventually { try admin.call("GET", "/tenants/acme/users", token: admin.adminToken).status == 403 })
        let basic = try admin.call("GET", "/tenants/acme/users", token: nil, extra: ["-u", "acme.carol:not the password at all"])
        #expect(basic.status == 403, "\(basic.text)")
        #expect(admin.errorCode(basic) == "forbidden")
        #expect(try admin.call("GET", "/tenants", token: admin.operatorToken).status == 200)
    }
}
