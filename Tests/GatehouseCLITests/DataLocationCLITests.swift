import Foundation
import GatehouseTesting
import Testing

struct DataLocationCLITests {
    @Test func flagBeatsEnvironmentBeatsDefault() throws {
        let directory = TemporaryDirectory("gatehouse-location")
        let gatehouse = GatehouseBinary(dataDirectory: "unused")
        let fromEnvironment = directory.path("env-data")
        let fromFlag = directory.path("flag-data")

        let viaEnvironment = try gatehouse.runBare(
            ["tenant", "create", "envco", "--upstream", "http://x:1"], environment: ["GATEHOUSE_DATA": fromEnvironment])
        #expect(viaEnvironment.status == 0, "\(viaEnvironment.stderr)")
        #expect(FileManager.default.fileExists(atPath: fromEnvironment + "/gatehouse.sqlite"))

        let viaFlag = try gatehouse.runBare(
            ["tenant", "create", "flagco", "--upstream", "http://x:1", "--data", fromFlag],
            environment: ["GATEHOUSE_DATA": fromEnvironment])
        #expect(viaFlag.status == 0)
        let flagList = try gatehouse.runBare(["tenant", "list", "--data", fromFlag], environment: ["GATEHOUSE_DATA": fromEnvironment])
        #expect(flagList.stdout.contains("flagco") && !flagList.stdout.contains("envco"))

        let viaDefault = try gatehouse.runBare(["tenant", "create", "defco", "--upstream", "http://x:1"], currentDirectory: directory.path)
        #expect(viaDefault.status == 0)
        #expect(FileManager.default.fileExists(atPath: directory.path("data") + "/gatehouse.sqlite"))
        let mode = try (FileManager.default.attributesOfItem(atPath: directory.path("data"))[.posixPermissions] as! NSNumber).intValue
        #expect(mode == 0o700)
    }

    @Test func aMasterKeyOthersCanReadIsRefused() throws {
        let cli = CLIFixture()
        try cli.ok("tenant", "list")
        let keyPath = cli.directory.path("data") + "/master.key"
        chmod(keyPath, 0o644)
        let result = try cli.gatehouse.run("tenant", "list")
        #expect(result.status == 1)
        #expect(result.stderr.contains("master key \(keyPath) is readable by group or others"))
        #expect(result.stderr.contains("chmod 600 \(keyPath)"))
        let serve = try cli.gatehouse.run("serve")
        #expect(serve.status == 1)
        #expect(serve.stderr.contains("chmod 600"))
    }
}
