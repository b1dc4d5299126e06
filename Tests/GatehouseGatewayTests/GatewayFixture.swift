import Foundation
import GatehouseTesting
import Testing

/// A gateway serving tenant `acme` (user alice, role user) in front of a loopback upstream.
struct GatewayFixture {
    let gateway = RunningGateway()
    let upstream: LoopbackUpstream
    let token: String
    let password = "correct horse battery staple"

    init(serve extra: [String] = [], password setPassword: Bool = false, beforeStart: (RunningGateway) throws -> Void = { _ in }) throws {
        upstream = try LoopbackUpstream.start()
        try Self.check(gateway.cli("tenant", "create", "acme", "--upstream", upstream.url, "--name", "Acme Corp"))
        try Self.check(gateway.cli("user", "add", "acme", "alice", "--role", "user"))
        let created = try gateway.cli("user", "token", "create", "acme", "alice")
        try Self.check(created)
        token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        if setPassword {
            try Self.check(gateway.cli("user", "passwd", "acme", "alice", "--password-stdin", stdin: password))
        }
        try beforeStart(gateway)
        try gateway.start(extra)
    }

    static func check(_ result: ProcessResult, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(result.status == 0, "\(result.stderr)", sourceLocation: sourceLocation)
    }

    var bearer: [String] { ["-H", "Authorization: Bearer \(token)"] }

    func get(_ path: String = "/echo", host: String? = nil, _ arguments: [String] = []) throws -> RunningGateway.HTTPResult {
        try gateway.curl(path, host: host, arguments: arguments)
    }

    /// The audit log as JSON rows.
    func audit(tenant: String = "acme") throws -> [[String: Any]] {
        let result = try gateway.cli("audit", "list", "--tenant", tenant, "--json")
        return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [[String: Any]] ?? []
    }

    func stop() {
        gateway.stop()
        upstream.shutdown()
    }
}
