import Crypto
import Foundation
import GatehouseCore
import Logging

/// How the SFTP server listens and what it allows per connection.
public struct SFTPSettings: Sendable {
    public var bindHost = "127.0.0.1"
    /// 0 picks a free port (tests).
    public var port = 2222
    public var maxConnectionsPerAddress = 10
    public var maxConnectionsPerUser = 5
    public var idleTimeout: TimeAmountSeconds = 600
    /// Outstanding READs served at once per session (OpenSSH's client sends up to 64).
    public var maxOutstandingReads = 64

    public typealias TimeAmountSeconds = Int64

    public init() {}
}

/// A file a session may download, with where it lies on disk.
public struct SFTPDownloadable: Sendable {
    public var name: String
    public var size: UInt64
    public var modified: Date
    public var path: String

    public init(name: String, size: UInt64, modified: Date, path: String) {
        self.name = name
        self.size = size
        self.modified = modified
        self.path = path
    }
}

/// What the SFTP server reaches the rest of Gatehouse through; GatehouseApp supplies it.
public struct SFTPServices: Sendable {
    public let hostKey: Curve25519.Signing.PrivateKey
    public let credentials: any CredentialVerifier
    public let audit: any AuditSink
    public let defender: SharedDefender
    public let clock: any WallClock
    /// The current access snapshot (tenants, allowlists, users), swapped on every change.
    public let access: @Sendable () -> AccessSnapshot
    /// The tenant's downloadable files right now: backups younger than 7 days and their checksums.
    public let files: @Sendable (TenantPrefix) -> [SFTPDownloadable]
    public let logger: Logger

    public init(
        hostKey: Curve25519.Signing.PrivateKey, credentials: any CredentialVerifier, audit: any AuditSink, defender: SharedDefender,
        clock: any WallClock, access: @escaping @Sendable () -> AccessSnapshot,
        files: @escaping @Sendable (TenantPrefix) -> [SFTPDownloadable], logger: Logger
    ) {
        self.hostKey = hostKey
        self.credentials = credentials
        self.audit = audit
        self.defender = defender
        self.clock = clock
        self.access = access
        self.files = files
        self.logger = logger
    }

    /// Records without holding anything up; failures are logged.
    func record(_ event: AuditEvent) {
        let logger = logger
        audit.recordInBackground(event) { error in
            logger.error("audit write failed", metadata: ["action": "\(event.action)", "error": "\(error)"])
        }
    }
}

/// The host key's public form as OpenSSH shows it.
public enum SFTPHostKey {
    /// `ssh-ed25519 AAAA…`
    public static func openSSHLine(_ key: Curve25519.Signing.PrivateKey) -> String {
        "ssh-ed25519 " + Data(blob(key.publicKey)).base64EncodedString()
    }

    /// `SHA256:…` as `ssh-keygen -lf` prints it.
    public static func fingerprint(_ key: Curve25519.Signing.PrivateKey) -> String {
        let digest = SHA256.hash(data: blob(key.publicKey))
        return "SHA256:" + Data(digest).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    static func blob(_ key: Curve25519.Signing.PublicKey) -> [UInt8] {
        func string(_ bytes: [UInt8]) -> [UInt8] {
            withUnsafeBytes(of: UInt32(bytes.count).bigEndian, Array.init) + bytes
        }
        return string(Array("ssh-ed25519".utf8)) + string(Array(key.rawRepresentation))
    }
}
