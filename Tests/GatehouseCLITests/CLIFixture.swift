import Foundation
import GatehouseTesting
import Testing

/// A data directory and the built `gatehouse` binary, driven as an operator would.
struct CLIFixture {
    let directory = TemporaryDirectory("gatehouse-cli")
    let gatehouse: GatehouseBinary

    init() {
        gatehouse = GatehouseBinary(dataDirectory: directory.path("data"))
    }

    var databasePath: String { directory.path("data") + "/gatehouse.sqlite" }

    /// Runs a command that must succeed, recording its stderr when it does not.
    @discardableResult
    func ok(_ arguments: String..., stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> ProcessResult {
        let result = try gatehouse.run(arguments, stdin: stdin)
        #expect(result.status == 0, "gatehouse \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    func sqlite(_ sql: String) throws -> ProcessResult {
        let sqlite3 = try #require(ProcessRunner.which("sqlite3"), "sqlite3 is installed by .ci/run")
        return try ProcessRunner.run(sqlite3, [databasePath, sql])
    }

    /// The whole database as SQL text: equal before and after means nothing changed.
    func snapshot() throws -> String {
        let sqlite3 = try #require(ProcessRunner.which("sqlite3"))
        return try ProcessRunner.run(sqlite3, [databasePath, ".dump"]).stdout
    }

    /// An OpenSSH key pair made by the real `ssh-keygen`; returns the public key's path.
    func sshKey(type: String, bits: Int? = nil, name: String) throws -> String {
        let sshKeygen = try #require(ProcessRunner.which("ssh-keygen"), "ssh-keygen is installed by .ci/run")
        let path = directory.path(name)
        var arguments = ["-q", "-t", type, "-N", "", "-C", "\(name)@test", "-f", path]
        if let bits { arguments += ["-b", String(bits)] }
        let result = try ProcessRunner.run(sshKeygen, arguments)
        #expect(result.status == 0, "ssh-keygen: \(result.stderr)")
        return path + ".pub"
    }

    func json(_ result: ProcessResult) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }
}
