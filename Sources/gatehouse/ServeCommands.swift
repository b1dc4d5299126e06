import ArgumentParser
import Foundation
import GatehouseApp

/// The platform domain, for every command that needs it (env GATEHOUSE_PLATFORM_DOMAIN).
struct PlatformOptions: ParsableArguments {
    @Option(name: .customLong("platform-domain"), help: "Tenants are served at <prefix>.<domain> (env GATEHOUSE_PLATFORM_DOMAIN, default gatehouse.localhost).")
    var platformDomain: String?

    var resolved: String {
        platformDomain ?? ProcessInfo.processInfo.environment["GATEHOUSE_PLATFORM_DOMAIN"] ?? "gatehouse.localhost"
    }
}

struct ServeFlags: ParsableArguments {
    @OptionGroup var platform: PlatformOptions

    @Option(help: "Address to listen on.") var bind: String = "127.0.0.1"
    @Option(name: .customLong("https-port"), help: "HTTPS port (0 picks a free one).") var httpsPort: Int = 8443
    @Option(name: .customLong("http-port"), help: "HTTP port that only redirects to HTTPS (0 picks a free one).") var httpPort: Int = 8080
    @Flag(name: .customLong("no-http"), help: "Do not listen on plain HTTP at all.") var noHTTP = false
    @Option(name: .customLong("trusted-proxy"), help: "CIDR of a proxy whose X-Forwarded-For is believed; repeatable.")
    var trustedProxies: [String] = []
    @Option(name: .customLong("trust-root"), help: "Extra root CA file that uploaded chains may end at; repeatable.")
    var trustRoots: [String] = []
    @Option(name: .customLong("max-body"), help: "Largest request body, e.g. 32m (default 32m).") var maxBody: String?
    @Option(name: .customLong("upstream-timeout"), help: "Seconds to wait for an upstream's response head (default 60).")
    var upstreamTimeout: Int?
    @Option(name: .customLong("ban-threshold"), help: "Failure score that bans an address (default 15; unknown user 2, wrong credential 1).")
    var banThreshold: Int?
    @Option(name: .customLong("ban-window"), help: "Seconds over which failures add up (default 1800).") var banWindow: Int?
    @Option(name: .customLong("ban-duration"), help: "Seconds a ban lasts; each attempt while banned adds half (default 1800).")
    var banDuration: Int?

    @Option(help: "Control catalogs and policies for evidence exported through the admin API (env GATEHOUSE_POLICIES, default ./Policies).")
    var policies: String?

    @Option(name: .customLong("backup-window"), help: "UTC hours of the daily full backup, HH-HH (default 00-06).")
    var backupWindow: String = "00-06"
    @Option(name: .customLong("backup-every"), help: "Minutes between frequent backups (default 60).")
    var backupEvery: Int = 60

    @Option(name: .customLong("sftp-port"), help: "SFTP port for backup downloads (0 picks a free one; default 2222).")
    var sftpPort: Int = 2222
    @Flag(name: .customLong("no-sftp"), help: "Do not run the SFTP server.") var noSFTP = false
    @Option(name: .customLong("sftp-connections-per-address"), help: "SFTP connections one address may hold (default 10).")
    var sftpPerAddress: Int = 10
    @Option(name: .customLong("sftp-connections-per-user"), help: "SFTP sessions one user may hold (default 5).")
    var sftpPerUser: Int = 5
    @Option(name: .customLong("sftp-idle-timeout"), help: "Seconds an SFTP connection may stay idle (default 600).")
    var sftpIdleTimeout: Int = 600

    func options(demo: Bool) -> ServeOptions {
        var options = ServeOptions(
            bind: bind, httpsPort: httpsPort, httpPort: noHTTP ? nil : httpPort, platformDomain: platform.resolved,
            trustedProxies: trustedProxies, trustRoots: trustRoots, maxBody: maxBody, upstreamTimeout: upstreamTimeout,
            demoApplication: demo)
        options.banThreshold = banThreshold
        options.banWindow = banWindow
        options.banDuration = banDuration
        options.backupWindow = backupWindow
        options.backupEveryMinutes = backupEvery
        options.sftpPort = noSFTP ? nil : sftpPort
        options.sftpConnectionsPerAddress = sftpPerAddress
        options.sftpConnectionsPerUser = sftpPerUser
        options.sftpIdleTimeoutSeconds = sftpIdleTimeout
        return options
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTPS gateway and the other services until SIGTERM or SIGINT.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var serve: ServeFlags

    func run() async throws {
        do {
            try await GatehouseServer(try open(global, policies: serve.policies), options: serve.options(demo: false)).run()
        } catch let error as GatehouseError {
            fail(error)
        }
    }
}

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Set up a demo tenant, users and credentials (once), print what to try, then serve with a demo application.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var serve: ServeFlags

    @Flag(name: .customLong("no-serve"), help: "Set up and print, but do not start serving.")
    var noServe = false

    func run() async throws {
        do {
            let context = try open(global, policies: serve.policies)
            let options = serve.options(demo: true)
            emit(try DemoSetup(context, options: options).run(serving: !noServe))
            if !noServe { try await GatehouseServer(context, options: options).run() }
        } catch let error as GatehouseError {
            fail(error)
        }
    }
}
