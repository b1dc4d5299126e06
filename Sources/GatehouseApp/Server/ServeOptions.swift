import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseSFTP

/// What `gatehouse serve` is told on its command line, checked before anything starts.
public struct ServeOptions: Sendable {
    public var bind: String
    public var httpsPort: Int
    public var httpPort: Int?
    public var platformDomain: String
    public var trustedProxies: [String]
    public var trustRoots: [String]
    public var maxBody: String?
    public var upstreamTimeout: Int?
    /// Brute-force defender: failures (score) within the window that ban an address, and for how long.
    public var banThreshold: Int?
    public var banWindow: Int?
    public var banDuration: Int?
    /// `gatehouse demo` also runs the demo application on 127.0.0.1:8081.
    public var demoApplication: Bool
    /// Backups: the daily full backup's UTC window (`HH-HH`) and minutes between frequent copies.
    public var backupWindow: String = "00-06"
    public var backupEveryMinutes: Int = 60
    /// SFTP port for backup downloads (0 picks a free one; nil: no SFTP server).
    public var sftpPort: Int? = 2222
    public var sftpConnectionsPerAddress = 10
    public var sftpConnectionsPerUser = 5
    public var sftpIdleTimeoutSeconds = 600

    public init(
        bind: String = "127.0.0.1", httpsPort: Int = 8443, httpPort: Int? = 8080, platformDomain: String = "gatehouse.localhost",
        trustedProxies: [String] = [], trustRoots: [String] = [], maxBody: String? = nil, upstreamTimeout: Int? = nil,
        demoApplication: Bool = false
    ) {
        self.upstreamTimeout = upstreamTimeout
        self.bind = bind
        self.httpsPort = httpsPort
        self.httpPort = httpPort
        self.platformDomain = platformDomain
        self.trustedProxies = trustedProxies
        self.trustRoots = trustRoots
        self.maxBody = maxBody
        self.demoApplication = demoApplication
    }

    func defenderConfiguration() throws(GatehouseError) -> DefenderConfiguration {
        var configuration = DefenderConfiguration()
        if let banThreshold { configuration.threshold = banThreshold }
        if let banWindow { configuration.window = TimeInterval(banWindow) }
        if let banDuration {
            configuration.banDuration = TimeInterval(banDuration)
            configuration.maximumBan = max(configuration.maximumBan, configuration.banDuration)
        }
        try configuration.validate()
        return configuration
    }

    func sftpSettings() throws(GatehouseError) -> SFTPSettings? {
        guard let sftpPort else { return nil }
        guard (0...65535).contains(sftpPort) else { throw .invalidInput("--sftp-port \(sftpPort) is not a port number (0-65535)") }
        for (name, value) in [("--sftp-connections-per-address", sftpConnectionsPerAddress), ("--sftp-connections-per-user", sftpConnectionsPerUser)]
        where !(1...10_000).contains(value) {
            throw .invalidInput("\(name) \(value) must be 1 to 10000")
        }
        guard (1...86_400).contains(sftpIdleTimeoutSeconds) else {
            throw .invalidInput("--sftp-idle-timeout \(sftpIdleTimeoutSeconds) must be 1 to 86400 seconds")
        }
        var settings = SFTPSettings()
        settings.idleTimeout = Int64(sftpIdleTimeoutSeconds)
        settings.bindHost = bind
        settings.port = sftpPort
        settings.maxConnectionsPerAddress = sftpConnectionsPerAddress
        settings.maxConnectionsPerUser = sftpConnectionsPerUser
        return settings
    }

    func backupSchedule() throws(GatehouseError) -> BackupSchedule {
        try BackupSchedule(window: backupWindow, frequentMinutes: backupEveryMinutes)
    }

    func gatewaySettings() throws(GatehouseError) -> GatewaySettings {
        var settings = GatewaySettings(platformDomain: try HostName(platformDomain))
        _ = try IPAddress(bind)
        settings.bindHost = bind
        for (name, port) in [("--https-port", httpsPort), ("--http-port", httpPort ?? 0)] where !(0...65535).contains(port) {
            throw .invalidInput("\(name) \(port) is not a port number (0-65535)")
        }
        settings.httpsPort = httpsPort
        settings.httpPort = httpPort
        settings.trustedProxies = try trustedProxies.map { text throws(GatehouseError) in try IPNetwork(text) }
        if let maxBody { settings.maxBodyBytes = try Self.parseSize(maxBody) }
        if let upstreamTimeout {
            guard (1...3600).contains(upstreamTimeout) else {
                throw .invalidInput("--upstream-timeout \(upstreamTimeout) must be 1 to 3600 seconds")
            }
            settings.upstreamResponseTimeout = TimeInterval(upstreamTimeout)
        }
        return settings
    }

    /// `1048576`, `512k`, `32m` or `1g`.
    static func parseSize(_ text: String) throws(GatehouseError) -> Int {
        let lower = text.lowercased()
        let units: [Character: Int] = ["k": 1024, "m": 1024 * 1024, "g": 1024 * 1024 * 1024]
        var digits = Substring(lower)
        var multiplier = 1
        if let last = lower.last, let unit = units[last] {
            multiplier = unit
            digits = digits.dropLast()
        }
        guard let value = Int(digits), value > 0, value <= Int.max / multiplier else {
            throw .invalidInput("--max-body '\(text)' is not a size; use bytes or a number with k, m or g (for example 32m)")
        }
        return value * multiplier
    }
}
