import Foundation
import GatehouseCore
import GatehouseTLS
import GatehouseTesting
import Testing
import X509

struct CertificateValidatorTests {
    let ca: TestCertificateAuthority
    let validator: CertificateValidator
    let host = try! HostName("erp.acme.test")
    let now = Date()

    init() throws {
        ca = try TestCertificateAuthority()
        validator = CertificateValidator(trustStore: TrustStore(roots: [ca.root]))
    }

    func validate(_ chain: String, _ key: String, host: HostName? = nil) async throws(GatehouseError) -> ValidatedCertificate {
        try await validator.validate(CertificateMaterial(chainPEM: chain, keyPEM: key), for: host ?? self.host, at: now)
    }

    func expectRefusal(_ chain: String, _ key: String, host: HostName? = nil, _ expected: String) async {
        do {
            _ = try await validate(chain, key, host: host)
            Issue.record("accepted, expected refusal containing '\(expected)'")
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test func acceptsACompleteChainForTheHost() async throws {
        let issued = try ca.issue(.init(names: ["erp.acme.test"]))
        let validated = try await validate(issued.fullChainPEM, issued.keyPEM)
        #expect(validated.chain.count == 2)
        #expect(validated.warnings.isEmpty)
        #expect(validated.subjectAlternativeNames == ["erp.acme.test"])
        #expect(validated.fingerprint.count == 95)
    }

    @Test func aWildcardCoversOneLabelOnly() async throws {
        let issued = try ca.issue(.init(names: ["*.acme.test"]))
        _ = try await validate(issued.fullChainPEM, issued.keyPEM)
        await expectRefusal(issued.fullChainPEM, issued.keyPEM, host: try HostName("a.erp.acme.test"), "does not cover a.erp.acme.test")
        await expectRefusal(issued.fullChainPEM, issued.keyPEM, host: try HostName("acme.test"), "does not cover acme.test")
    }

    @Test func commonNameIsIgnoredWhenSANsExist() async throws {
        var leaf = TestCertificateAuthority.Leaf(names: ["other.acme.test"])
        leaf.commonName = "erp.acme.test"
        let issued = try ca.issue(leaf)
        await expectRefusal(issued.fullChainPEM, issued.keyPEM, "it names other.acme.test")
    }

    @Test func commonNameCountsWithoutSANs() async throws {
        var leaf = TestCertificateAuthority.Leaf(names: [])
        leaf.commonName = "erp.acme.test"
        let issued = try ca.issue(leaf)
        _ = try await validate(issued.fullChainPEM, issued.keyPEM)
    }

    @Test func eachBrokenUploadHasItsOwnMessage() async throws {
        let good = try ca.issue(.init(names: ["erp.acme.test"]))
        let other = try ca.issue(.init(names: ["erp.acme.test"]))
        await expectRefusal(good.fullChainPEM, other.keyPEM, "does not match the certificate")
        await expectRefusal(good.intermediatePEM + good.leafPEM, good.keyPEM, "leaf certificate must come first")
        await expectRefusal(good.leafPEM, good.keyPEM, "incomplete chain: issuer 'Gatehouse Test Intermediate CA' not found")
        await expectRefusal(good.leafPEM + good.rootPEM, good.keyPEM, "did not sign certificate 1")
        await expectRefusal("not a pem", good.keyPEM, "holds no certificate")
        await expectRefusal(good.fullChainPEM, "not a key", "holds no private key")
        await expectRefusal(good.fullChainPEM + good.keyPEM, good.keyPEM, "holds a private key")
        let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n"
        await expectRefusal(good.fullChainPEM, encrypted, "decrypt it first")
    }

    @Test func datesAreCheckedWithTheDatesInTheMessage() async throws {
        var expired = TestCertificateAuthority.Leaf(names: ["erp.acme.test"])
        expired.notBefore = now.addingTimeInterval(-90 * 86_400)
        expired.notAfter = now.addingTimeInterval(-86_400)
        let old = try ca.issue(expired)
        await expectRefusal(old.fullChainPEM, old.keyPEM, "expired on \(old.leaf.notValidAfter.iso8601)")
        var future = TestCertificateAuthority.Leaf(names: ["erp.acme.test"])
        future.notBefore = now.addingTimeInterval(86_400)
        let early = try ca.issue(future)
        await expectRefusal(early.fullChainPEM, early.keyPEM, "not valid yet: valid from \(early.leaf.notValidBefore.iso8601)")
        var soon = TestCertificateAuthority.Leaf(names: ["erp.acme.test"])
        soon.notAfter = now.addingTimeInterval(10 * 86_400)
        let expiring = try ca.issue(soon)
        let validated = try await validate(expiring.fullChainPEM, expiring.keyPEM)
        #expect(validated.warnings.contains { $0.contains("expires in 9 days") || $0.contains("expires in 10 days") })
    }

    @Test func usageAndKeyRules() async throws {
        var caLeaf = TestCertificateAuthority.Leaf(names: ["erp.acme.test"])
        caLeaf.isCA = true
        let asCA = try ca.issue(caLeaf)
        await expectRefusal(asCA.fullChainPEM, asCA.keyPEM, "the leaf is a CA certificate")
        var clientOnly = TestCertificateAuthority.Leaf(names: ["erp.acme.test"])
        clientOnly.extendedKeyUsage = [.clientAuth]
        let client = try ca.issue(clientOnly)
        await expectRefusal(client.fullChainPEM, client.keyPEM, "does not allow TLS server authentication")
        var weak = TestCertificateAuthority.Leaf(names: ["erp.acme.test"])
        weak.key = .rsa(bits: 1024)
        let rsa1024 = try ca.issue(weak)
        await expectRefusal(rsa1024.fullChainPEM, rsa1024.keyPEM, "use RSA 2048 or more")
        var strong = TestCertificateAuthority.Leaf(names: ["erp.acme.test"])
        strong.key = .rsa(bits: 2048)
        let rsa2048 = try ca.issue(strong)
        _ = try await validate(rsa2048.fullChainPEM, rsa2048.keyPEM)
        var p384 = TestCertificateAuthority.Leaf(names: ["erp.acme.test"])
        p384.key = .p384
        let ec384 = try ca.issue(p384)
        _ = try await validate(ec384.fullChainPEM, ec384.keyPEM)
    }

    @Test func aSelfSignedRootInTheUploadIsAcceptedWithAWarning() async throws {
        let issued = try ca.issue(.init(names: ["erp.acme.test"]))
        let strict = CertificateValidator(trustStore: TrustStore(roots: []))
        let validated = try await strict.validate(
            CertificateMaterial(chainPEM: issued.fullChainPEM + issued.rootPEM, keyPEM: issued.keyPEM), for: host, at: now)
        #expect(validated.chain.count == 2, "the root is not served")
        #expect(validated.warnings.contains { $0.contains("browsers must be told to trust it") })
        do {
            _ = try await strict.validate(CertificateMaterial(chainPEM: issued.fullChainPEM, keyPEM: issued.keyPEM), for: host, at: now)
            Issue.record("chain to an unknown root accepted")
        } catch {
            #expect(error.message.contains("incomplete chain: issuer 'Gatehouse Test Root CA' not found"))
        }
    }
}

struct CertificateRegistryTests {
    @Test func sniPicksExactThenWildcardThenPlatform() throws {
        let ca = try TestCertificateAuthority()
        func serving(_ name: String) throws -> ServingCertificate {
            let issued = try ca.issue(.init(names: [name]))
            return try ServingCertificate(
                hostname: name, fingerprint: name, notAfter: issued.leaf.notValidAfter, chainPEM: issued.fullChainPEM, keyPEM: issued.keyPEM)
        }
        let snapshot = CertificateSnapshot(
            byName: ["erp.acme.test": try serving("erp.acme.test"), "*.beta.test": try serving("*.beta.test")],
            platform: try serving("*.gatehouse.localhost"))
        #expect(snapshot.certificate(forSNI: "erp.acme.test").hostname == "erp.acme.test")
        #expect(snapshot.certificate(forSNI: "ERP.acme.test").hostname == "erp.acme.test")
        #expect(snapshot.certificate(forSNI: "shop.beta.test").hostname == "*.beta.test")
        #expect(snapshot.certificate(forSNI: "a.shop.beta.test").hostname == "*.gatehouse.localhost")
        #expect(snapshot.certificate(forSNI: "acme.gatehouse.localhost").hostname == "*.gatehouse.localhost")
        #expect(snapshot.certificate(forSNI: "unknown.example").hostname == "*.gatehouse.localhost")
        #expect(snapshot.certificate(forSNI: nil).hostname == "*.gatehouse.localhost")
    }
}
