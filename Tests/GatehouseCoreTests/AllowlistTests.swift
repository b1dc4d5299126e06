import GatehouseCore
import Testing

struct IPAddressTests {
    @Test func parsesAndPrintsCanonically() throws {
        #expect(try IPAddress("192.0.2.1").description == "192.0.2.1")
        #expect(try IPAddress("2001:DB8:0:0:0:0:0:1").description == "2001:db8::1")
        #expect(try IPAddress("::").description == "::")
        #expect(try IPAddress("::1").description == "::1")
        #expect(try IPAddress("2001:db8:0:1:0:0:0:1").description == "2001:db8:0:1::1")
        #expect(try IPAddress("2001:db8::1:0:0:1").description == "2001:db8::1:0:0:1")
        #expect(try IPAddress("1:0:0:2:0:0:0:3").description == "1:0:0:2::3")
        #expect(try IPAddress("2001:db8:1:2:3:4:5:6").description == "2001:db8:1:2:3:4:5:6")
    }

    @Test func ipv4MappedAddressesAreIPv4() throws {
        let mapped = try IPAddress("::ffff:192.0.2.7")
        #expect(mapped.family == .v4)
        #expect(mapped == (try IPAddress("192.0.2.7")))
        #expect(try IPAddress("::ffff:c000:207") == (try IPAddress("192.0.2.7")))
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "1..2.3", "a.b.c.d", " 1.2.3.4",
        "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "::g", "fe80::1%eth0", ":::", "1:2:3:4:5:6:7", "::ffff:1.2.3", "2001:db8::+1", "2001:db8::-1", "::ffff:+1.2.3.4",
    ])
    func refusesMalformedAddresses(_ text: String) {
        #expect(throws: GatehouseError.self) { try IPAddress(text) }
    }
}

struct IPNetworkTests {
    @Test func zeroPrefixMatchesTheWholeFamily() throws {
        let all4 = try IPNetwork("0.0.0.0/0")
        #expect(all4.contains(try IPAddress("255.255.255.255")))
        #expect(all4.contains(try IPAddress("::ffff:10.1.1.1")))
        #expect(!all4.contains(try IPAddress("2001:db8::1")))
        let all6 = try IPNetwork("::/0")
        #expect(all6.contains(try IPAddress("2001:db8::1")))
        #expect(!all6.contains(try IPAddress("10.1.1.1")))
    }

    @Test func hostPrefixesMatchExactlyOneAddress() throws {
        let host4 = try IPNetwork("203.0.113.9/32")
        #expect(host4.contains(try IPAddress("203.0.113.9")))
        #expect(!host4.contains(try IPAddress("203.0.113.8")))
        #expect(!host4.contains(try IPAddress("203.0.113.10")))
        #expect(try IPNetwork("203.0.113.9") == host4)
        let host6 = try IPNetwork("2001:db8::9/128")
        #expect(host6.contains(try IPAddress("2001:db8::9")))
        #expect(!host6.contains(try IPAddress("2001:db8::8")))
        #expect(try IPNetwork("2001:db8::9") == host6)
    }

    @Test func prefixEdges() throws {
        let net = try IPNetwork("10.0.0.0/8")
        #expect(net.contains(try IPAddress("10.0.0.0")))
        #expect(net.contains(try IPAddress("10.255.255.255")))
        #expect(!net.contains(try IPAddress("11.0.0.0")))
        #expect(!net.contains(try IPAddress("9.255.255.255")))
        let odd = try IPNetwork("192.168.4.0/22")
        #expect(odd.contains(try IPAddress("192.168.7.255")))
        #expect(!odd.contains(try IPAddress("192.168.8.0")))
        let v6 = try IPNetwork("2001:db8:abcc::/47")
        #expect(v6.contains(try IPAddress("2001:db8:abcd:1::1")))
        #expect(v6.contains(try IPAddress("2001:db8:abcc::1")))
        #expect(!v6.contains(try IPAddress("2001:db8:abce::1")))
    }

    @Test func mappedRulesAreIPv4Rules() throws {
        let rule = try IPNetwork("::ffff:192.0.2.0/120")
        #expect(rule == (try IPNetwork("192.0.2.0/24")))
        #expect(rule.contains(try IPAddress("192.0.2.200")))
        #expect(throws: GatehouseError.self) { try IPNetwork("::ffff:0.0.0.0/95") }
    }

    @Test func hostBitsSuggestTheNetwork() {
        let error = #expect(throws: GatehouseError.self) { try IPNetwork("10.0.0.5/24") }
        #expect(error?.message.contains("did you mean 10.0.0.0/24") == true)
        let error6 = #expect(throws: GatehouseError.self) { try IPNetwork("2001:db8::1/64") }
        #expect(error6?.message.contains("2001:db8::/64") == true)
    }

    @Test(arguments: ["10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/8/8", "/8", "", "10.0.0.0/ 8", "10.0.0.0/x", "banana"])
    func refusesMalformedBlocks(_ text: String) {
        #expect(throws: GatehouseError.self) { try IPNetwork(text) }
    }

    @Test func covers() throws {
        #expect(try IPNetwork("10.0.0.0/8").covers(try IPNetwork("10.1.0.0/16")))
        #expect(!(try IPNetwork("10.1.0.0/16").covers(try IPNetwork("10.0.0.0/8"))))
        #expect(!(try IPNetwork("10.0.0.0/8").covers(try IPNetwork("2001:db8::/32"))))
    }
}

struct AllowlistTests {
    @Test func emptyAllowlistAdmitsEveryone() throws {
        let allowlist = Allowlist()
        #expect(allowlist.allowsAllAddresses)
        #expect(allowlist.admitsConnection(from: try IPAddress("198.51.100.1")))
        #expect(allowlist.admits(try UserName("bob"), from: try IPAddress("2001:db8::1")))
    }

    @Test func tenantRulesGateConnections() throws {
        let allowlist = Allowlist(tenantRules: [try IPNetwork("10.0.0.0/8"), try IPNetwork("2001:db8::/32")])
        #expect(allowlist.admitsConnection(from: try IPAddress("10.2.3.4")))
        #expect(allowlist.admitsConnection(from: try IPAddress("::ffff:10.2.3.4")))
        #expect(allowlist.admitsConnection(from: try IPAddress("2001:db8:1::5")))
        #expect(!allowlist.admitsConnection(from: try IPAddress("192.0.2.1")))
        #expect(!allowlist.admitsConnection(from: try IPAddress("2001:db9::1")))
    }

    @Test func userRuleNarrowsTheTenantRule() throws {
        let alice = try UserName("alice"), bob = try UserName("bob")
        let allowlist = Allowlist(
            tenantRules: [try IPNetwork("10.0.0.0/8")], userRules: [alice: [try IPNetwork("10.0.1.0/24")]])
        #expect(allowlist.admits(alice, from: try IPAddress("10.0.1.77")))
        #expect(!allowlist.admits(alice, from: try IPAddress("10.0.2.77")))
        #expect(allowlist.admits(bob, from: try IPAddress("10.0.2.77")))
        #expect(!allowlist.admits(bob, from: try IPAddress("192.0.2.1")))
    }

    @Test func userRuleCannotWidenTheTenantRule() throws {
        let alice = try UserName("alice")
        let allowlist = Allowlist(
            tenantRules: [try IPNetwork("10.0.0.0/8")], userRules: [alice: [try IPNetwork("192.0.2.0/24")]])
        #expect(!allowlist.admitsConnection(from: try IPAddress("192.0.2.5")))
        #expect(!allowlist.admits(alice, from: try IPAddress("192.0.2.5")))
        #expect(!allowlist.admits(alice, from: try IPAddress("10.0.0.5")))
    }
}
