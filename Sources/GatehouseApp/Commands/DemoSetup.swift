import Foundation
import GatehouseCore
import GatehouseStore

/// `gatehouse demo`: a demo tenant with one user per role, set up once in the data directory.
/// Running it again changes nothing and says so.
public struct DemoSetup: Sendable {
    let context: GatehouseContext
    public static let tenant = "demo"
    public static let applicationPort = 8081
    static let users: [(name: String, roles: Set<Role>)] = [
        ("alice", [.admin, .user]), ("bob", [.backup]), ("carol", [.auditor]),
    ]

    let options: ServeOptions

    public init(_ context: GatehouseContext, options: ServeOptions = ServeOptions()) {
        self.context = context
        self.options = options
    }

    /// `serving` says whether the command goes on to serve (it does unless --no-serve).
    public func run(serving: Bool = true) throws(GatehouseError) -> CommandOutput {
        let store = try context.store()
        let prefix = try TenantPrefix(Self.tenant)
        var lines: [String] = []
        if (try? store.tenants.find(prefix)) == nil {
            _ = try store.tenants.create(
                NewTenant(
                    prefix: prefix, displayName: "Demo Company", upstream: try UpstreamURL("http://127.0.0.1:\(DemoSetup.applicationPort)"),
                    region: .caCentral, databasePath: nil,
                    expiresAt: CalendarDay(context.now.addingTimeInterval(365 * 86_400)).end),
                by: context.actor)
            lines.append("created tenant demo (upstream http://127.0.0.1:8081, region ca-central)")
        } else {
            lines.append("tenant demo already set up; leaving it as it is")
        }
        let existing = try store.users.list(in: .tenant(prefix))
        var created: [String: String] = [:]
        for (nameText, roles) in Self.users {
            let name = try UserName(nameText)
            let current = existing.first { $0.user.name == name }
            // A user left without a password by an interrupted earlier run gets one now.
            guard current?.hasPassword != true else { continue }
            if current == nil { _ = try store.users.add(name, in: .tenant(prefix), roles: roles, by: context.actor) }
            let password = Self.randomPassword()
            try store.users.setPassword(password, for: name, in: .tenant(prefix), by: context.actor)
            created[nameText] = password
            lines.append(
                "created demo.\(nameText) (\(roles.sorted().map(\.rawValue).joined(separator: ","))) with password \(password)  (shown once)")
        }
        let port = options.httpsPort == 443 ? "" : ":\(options.httpsPort)"
        let url = "https://demo.\(options.platformDomain)\(port)/"
        let caPath = PlatformCertificate(context: context, domain: try HostName(options.platformDomain)).caPath
        let alicePassword = created["alice"] ?? "<alice's password>"
        lines += [
            "",
            "Once it is serving, try in another terminal:",
            "  curl --cacert \(caPath) -u alice:\(alicePassword) \(url)",
            "  (or open \(url) in a browser that trusts \(caPath), and sign in as alice)",
            "",
            "And the CLI (same --data, or export GATEHOUSE_DATA=\(store.dataDirectory.url.path)):",
            "  swift run gatehouse tenant list",
            "  swift run gatehouse user list demo",
            "  swift run gatehouse allowlist add demo 127.0.0.1/32",
            "  swift run gatehouse user token create demo alice",
            "  swift run gatehouse audit list --tenant demo",
            "  swift run gatehouse audit verify",
            "  swift run gatehouse evidence export --framework soc2 --from \(CalendarDay(context.clock.now())) --to \(CalendarDay(context.clock.now())) --out soc2.zip",
            "  swift run gatehouse evidence verify soc2.zip",
        ]
        if serving { lines += ["", "Serving now; stop with Ctrl-C."] }
        return CommandOutput(lines.joined(separator: "\n") + "\n")
    }

    /// A 20-character password from an unambiguous alphabet.
    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}
