import Foundation
import GatehouseTesting
import Testing

/// Certificates as clients see them (openssl s_client) and as admins upload them (the CLI).
struct CertificateTests {
    @Test func sniPicksThePlatformCustomAndDefaultCertificates() throws {
        let ca = try TestCertificateAuthority()
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        let root = fixture.gateway.directory.path("test-root.pem")
        try ca.rootPEM.write(toFile: root, atomically: true, encoding: .utf8)

        #expect(try fixture.gateway.presentedCertificate(serverName: "acme.gatehouse.localhost").subject.contains("*.gatehouse.localhost"))
        #expect(try fixture.gateway.presentedCertificate(serverName: nil).subject.contains("*.gatehouse.localhost"))

        try GatewayFixture.check(fixture.gateway.cli("domain", "add", "acme", "erp.acme.test"))
        let issued = try ca.issue(.init(names: ["erp.acme.test"]))
        let chain = fixture.gateway.directory.path("fullchain.pem"), key = fixture.gateway.directory.path("key.pem")
        try issued.fullChainPEM.write(toFile: chain, atomically: true, encoding: .utf8)
        try issued.keyPEM.write(toFile: key, atomically: true, encoding: .utf8)
        let imported = try fixture.gateway.cli("cert", "import", "erp.acme.test", "--cert", chain, "--key", key, "--trust-root", root)
        try GatewayFixture.check(imported)
        #expect(try eventually { try fixture.gateway.presentedCertificate(serverName: "erp.acme.test").subject.contains("erp.acme.test") })
        // Unknown names get the platform certificate, never a tenant's.
        #expect(try fixture.gateway.presentedCertificate(serverName: "unknown.example").subject.contains("*.gatehouse.localhost"))

        // The custom domain reaches the tenant through the proxy with a certificate curl verifies.
        let response = try fixture.gateway.curl("/echo", host: "erp.acme.test", arguments: fixture.bearer, extraCA: ca.rootPEM)
        #expect(response.status == 200, "\(response.error)")
        #expect((response.json["headers"] as? [String: [String]])?["x-gatehouse-tenant"] == ["acme"])

        // A replacement is served without a restart.
        let before = try fixture.gateway.presentedCertificate(serverName: "erp.acme.test").fingerprint
        let renewed = try ca.issue(.init(names: ["erp.acme.test"]))
        try renewed.fullChainPEM.write(toFile: chain, atomically: true, encoding: .utf8)
        try renewed.keyPEM.write(toFile: key, atomically: true, encoding: .utf8)
        try GatewayFixture.check(fixture.gateway.cli("cert", "import", "erp.acme.test", "--cert", chain, "--key", key, "--trust-root", root))
        #expect(try eventually(within: 2.5) { try fixture.gateway.presentedCertificate(serverName: "erp.acme.test").fingerprint != before })
        let listed = try fixture.gateway.cli("cert", "list").stdout
        #expect(listed.contains("erp.acme.test") && listed.contains("acme"))
        let actions = try fixture.audit().compactMap { $0["action"] as? String }
        #expect(actions.contains("certificate.import") && actions.contains("certificate.replace"))
    }

    @Test func badUploadsAreRefusedAndNothingIsServed() throws {
        let ca = try TestCertificateAuthority()
        let fixture = try GatewayFixture()
        defer { fixture.stop() }
        let directory = fixture.gateway.directory
        let root = directory.path("test-root.pem")
        try ca.rootPEM.write(toFile: root, atomically: true, encoding: .utf8)
        try GatewayFixture.check(fixture.gateway.cli("domain", "add", "acme", "erp.acme.test"))

        func leaf(_ change: (inout TestCertificateAuthority.Leaf) -> Void) throws -> TestCertificateAuthority.Issued {
            var leaf = TestCertificateAuthority.Leaf(names: ["erp.acme.test"])
            change(&leaf)
            return try ca.issue(leaf)
        }
        let good = try leaf { _ in }
        let other = try leaf { _ in }
        func whole(_ issued: TestCertificateAuthority.Issued) -> (String, String) { (issued.fullChainPEM, issued.keyPEM) }
        let cases: [(material: (chain: String, key: String), expected: String)] = [
            ((good.fullChainPEM, other.keyPEM), "does not match the certificate"),
            ((good.leafPEM, good.keyPEM), "incomplete chain: issuer 'Gatehouse Test Intermediate CA' not found"),
            ((good.intermediatePEM + good.leafPEM, good.keyPEM), "leaf certificate must come first"),
            (whole(try leaf { $0.notAfter = Date().addingTimeInterval(-86_400); $0.notBefore = Date().addingTimeInterval(-9 * 86_400) }), "expired on"),
            (whole(try leaf { $0.notBefore = Date().addingTimeInterval(86_400) }), "not valid yet"),
            (whole(try leaf { $0.names = ["shop.other.test"] }), "does not cover erp.acme.test"),
            (whole(try leaf { $0.isCA = true }), "the leaf is a CA certificate"),
            (whole(try leaf { $0.extendedKeyUsage = [.clientAuth] }), "does not allow TLS server authentication"),
            ((good.fullChainPEM, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"), "decrypt it first"),
            (("garbage", good.keyPEM), "holds no certificate"),
        ]
        // What is catalogued (days left move with the clock, so they are left out).
        func catalogue() throws -> [String] {
            let rows = (try? JSONSerialization.jsonObject(with: Data(try fixture.gateway.cli("cert", "list", "--json").stdout.utf8))) as? [[String: Any]] ?? []
            return rows.map { "\($0["hostname"] ?? "") \($0["fingerprint"] ?? "")" }
        }
        let before = try catalogue()
        for (index, testCase) in cases.enumerated() {
            let chainFile = directory.path("chain-\(index).pem"), keyFile = directory.path("key-\(index).pem")
            try testCase.material.chain.write(toFile: chainFile, atomically: true, encoding: .utf8)
            try testCase.material.key.write(toFile: keyFile, atomically: true, encoding: .utf8)
            let result = try fixture.gateway.cli("cert", "import", "erp.acme.test", "--cert", chainFile, "--key", keyFile, "--trust-root", root)
            #expect(result.status == 1, "case \(index) accepted")
            #expect(result.stderr.contains(testCase.expected), "case \(index): \(result.stderr)")
            #expect(result.stderrLines.count == 1, "case \(index): \(result.stderr)")
        }
        let after = try catalogue()
        #expect(after == before)
        #expect(after.count == 1)
        #expect(try fixture.gateway.presentedCertificate(serverName: "erp.acme.test").subject.contains("*.gatehouse.localhost"))
        let unknown = try fixture.gateway.cli("cert", "import", "shop.nobody.test", "--cert", directory.path("chain-0.pem"), "--key", directory.path("key-0.pem"))
        #expect(unknown.status == 1 && unknown.stderr.contains("is not a domain of any tenant"))
    }
}

struct CertificateExpiryTests {
    @Test func certificatesNearExpiryRaiseALogLineAnAuditEventAndAMetric() throws {
        let ca = try TestCertificateAuthority()
        var operatorToken = ""
        let fixture = try GatewayFixture(beforeStart: { gateway in
            try GatewayFixture.check(gateway.cli("user", "add", "platform", "olga", "--role", "operator"))
            operatorToken = try gateway.cli("user", "token", "create", "platform", "olga").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        })
        defer { fixture.stop() }
        let directory = fixture.gateway.directory
        try GatewayFixture.check(fixture.gateway.cli("domain", "add", "acme", "erp.acme.test"))
        var leaf = TestCertificateAuthority.Leaf(names: ["erp.acme.test"])
        leaf.notAfter = Date().addingTimeInterval(10 * 86_400)
        let issued = try ca.issue(leaf)
        try (issued.fullChainPEM + issued.rootPEM).write(toFile: directory.path("soon.pem"), atomically: true, encoding: .utf8)
        try issued.keyPEM.write(toFile: directory.path("soon.key"), atomically: true, encoding: .utf8)
        let imported = try fixture.gateway.cli("cert", "import", "erp.acme.test", "--cert", directory.path("soon.pem"), "--key", directory.path("soon.key"))
        try GatewayFixture.check(imported)
        #expect(imported.stderr.contains("warning: the certificate expires in"))
        #expect(try fixture.gateway.cli("cert", "list").stdout.contains("expires within 14 days"))
        #expect(eventually { fixture.gateway.log().contains("certificate expires soon") })
        #expect(try eventually { try fixture.audit().contains { $0["action"] as? String == "certificate.expiring" } })
        let metrics = try fixture.gateway.curl(
            "/api/v1/metrics", host: "admin.gatehouse.localhost", arguments: ["-H", "Authorization: Bearer \(operatorToken)"])
        #expect(metrics.status == 200)
        // Ten days minus the seconds since issue: 9 or, within the same second, 10.
        let line = metrics.text.split(separator: "\n").first { $0.hasPrefix("gatehouse_certificate_expiry_days{hostname=\"erp.acme.test\"}") }
        let days = line.flatMap { Double($0.split(separator: " ").last ?? "") }
        #expect(days == 9 || days == 10, "\(metrics.text)")
        #expect(metrics.text.contains("gatehouse_certificate_expiry_warnings_total"))
        #expect(try fixture.gateway.curl("/api/v1/metrics", host: "admin.gatehouse.localhost", arguments: fixture.bearer).status == 403)
    }
}
