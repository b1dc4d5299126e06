import Foundation
import GatehouseTesting
import Testing

/// `gatehouse pci scan` over real files: plain, gzip (several members), ZIP (stored and deflated).
struct PCIScanCLITests {
    func shell(_ command: String, in directory: TemporaryDirectory) throws {
        let result = try ProcessRunner.run("/bin/sh", ["-c", command], currentDirectory: directory.url.path)
        #expect(result.status == 0, "\(command): \(result.stderr)")
    }

    @Test func findsCardNumbersInFilesArchivesAndCompressedStreams() throws {
        let cli = CLIFixture()
        let tree = TemporaryDirectory("gatehouse-scan")
        try shell(
            """
            mkdir -p logs archive && printf 'paid with 4111 1111 1111 1111 ok\\n' > logs/app.log
            (printf 'one 378282246310005\\n' | gzip; printf 'two 6011111111111117\\n' | gzip) > logs/old.log.gz
            printf 'member 5555555555554444\\n' > inner.txt && printf 'stored 3566002020360505' > stored.txt
            zip -q archive/bundle.zip inner.txt && zip -q -0 archive/bundle.zip stored.txt && rm inner.txt stored.txt
            printf 'order 1764533460123, phone +1-415-555-2671\\n' > clean.txt
            """, in: tree)
        let result = try cli.gatehouse.run(["pci", "scan", tree.url.path])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 6, "\(result.stdout)")
        #expect(lines.contains { $0.hasSuffix("logs/app.log:10: 411111******1111 (visa)") })
        #expect(lines.contains { $0.contains("old.log.gz!gzip:") && $0.contains("378282*****0005") })
        #expect(lines.contains { $0.contains("old.log.gz!gzip:") && $0.contains("601111******1117") })
        #expect(lines.contains { $0.contains("bundle.zip!inner.txt:7: 555555******4444") })
        #expect(lines.contains { $0.contains("bundle.zip!stored.txt:7: 356600******0505") })
        #expect(!result.stdout.contains("4111111111111111") && !result.stdout.contains("5555555555554444"))
        #expect(result.stderr.contains("card numbers found"))

        let json = try cli.gatehouse.run(["pci", "scan", "--json", tree.path("logs/app.log")])
        let findings = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(findings.count == 1 && findings.first?["masked"] as? String == "411111******1111" && findings.first?["offset"] as? Int == 10)
    }

    @Test func cleanTreesPassAndWhatCannotBeReadFails() throws {
        let cli = CLIFixture()
        try cli.ok("tenant", "create", "acme", "--upstream", "http://127.0.0.1:9")
        // The default scope (data directory and certificate store) of a fresh installation is clean.
        let clean = try cli.gatehouse.run(["pci", "scan"])
        #expect(clean.status == 0, "\(clean.stdout) \(clean.stderr)")
        #expect(clean.stderr.contains("0 card numbers found"))

        let tree = TemporaryDirectory("gatehouse-scan-bad")
        try shell("printf 'not really gzip' | gzip | head -c 12 > truncated.gz", in: tree)
        let corrupt = try cli.gatehouse.run(["pci", "scan", tree.url.path])
        #expect(corrupt.status == 1)
        #expect(corrupt.stderr.contains("truncated.gz could not be scanned"), "\(corrupt.stderr)")

        let missing = try cli.gatehouse.run(["pci", "scan", "/no/such/place"])
        #expect(missing.status == 1 && missing.stderr == "error: /no/such/place does not exist\n")
    }
}
