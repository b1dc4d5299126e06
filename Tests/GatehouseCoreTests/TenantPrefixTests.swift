import GatehouseCore
import Testing

struct TenantPrefixTests {
    @Test(arguments: ["abc", "acme", "acme-corp", "a1b", "123", String(repeating: "a", count: 63), "x-y"])
    func acceptsDNSLabels(_ text: String) throws {
        #expect(try TenantPrefix(text).value == text)
    }

    @Test func lengthBoundaries() {
        #expect(throws: GatehouseError.self) { try TenantPrefix("ab") }
        #expect(throws: GatehouseError.self) { try TenantPrefix(String(repeating: "a", count: 64)) }
        #expect(throws: GatehouseError.self) { try TenantPrefix("") }
    }

    @Test(arguments: ["Acme", "ac_me", "ac.me", "acme!", "acmé", "ac me", "ac\u{0}me", "admin\u{200D}", "acme\u{0332}", "ａｃｍｅ"])
    func refusesCharactersOutsideTheLabelAlphabet(_ text: String) {
        #expect(throws: GatehouseError.self) { try TenantPrefix(text) }
    }

    @Test func refusesLeadingOrTrailingDash() {
        for text in ["-acme", "acme-", "-ac-"] {
            let error = #expect(throws: GatehouseError.self) { try TenantPrefix(text) }
            #expect(error?.message.contains("start or end") == true)
        }
    }

    @Test(arguments: ["admin", "api", "www", "sftp", "mail", "status", "static", "assets", "platform"])
    func refusesReservedLabels(_ text: String) {
        let error = #expect(throws: GatehouseError.self) { try TenantPrefix(text) }
        #expect(error?.message.contains("reserved") == true)
        #expect(error?.kind == .invalidInput)
    }
}

struct UserNameAndURLTests {
    @Test func userNames() throws {
        #expect(try UserName("alice").value == "alice")
        #expect(try UserName("j.doe-2_x").value == "j.doe-2_x")
        for bad in ["", "Alice", ".alice", "-a", "al ice", "a/b", String(repeating: "a", count: 65), "alice\u{200D}", "a\u{0332}", "\u{0332}a"] {
            #expect(throws: GatehouseError.self) { try UserName(bad) }
        }
    }

    @Test func upstreamsAreHTTPOrHTTPSWithAHost() throws {
        #expect(try UpstreamURL("http://10.0.0.5:8080").description == "http://10.0.0.5:8080")
        #expect(try UpstreamURL("https://erp.internal/base").url.host == "erp.internal")
        for bad in ["ftp://x", "x", "http://", "http://u:p@host", "http://host?q=1", "http://host:99999", "/relative"] {
            #expect(throws: GatehouseError.self, "\(bad)") { try UpstreamURL(bad) }
        }
    }

    @Test func regions() throws {
        #expect(try Region(parsing: "ca-central") == .caCentral)
        let error = #expect(throws: GatehouseError.self) { try Region(parsing: "mars-1") }
        #expect(error?.message.contains("eu-west") == true)
    }

    @Test func calendarDays() throws {
        let day = try CalendarDay(parsing: "2028-02-29")
        #expect(day.description == "2028-02-29")
        #expect(day.start.timeIntervalSince1970 == 1_835_395_200)
        for bad in ["2027-02-29", "2026-13-01", "2026-1-01", "26-01-01", "2026/01/01", "tomorrow", "2026-00-10", "2026-04-31"] {
            #expect(throws: GatehouseError.self, "\(bad)") { try CalendarDay(parsing: bad) }
        }
    }
}
