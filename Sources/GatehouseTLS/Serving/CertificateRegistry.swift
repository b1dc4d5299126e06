import Foundation
import GatehouseCore
import NIOSSL
import Synchronization

/// Every certificate the listener can present, keyed by the name it is stored under.
public struct CertificateSnapshot: Sendable {
    /// Exact hostnames and `*.parent` wildcards.
    public let byName: [String: ServingCertificate]
    /// The platform's certificate (`*.<platform-domain>`): served for tenant names, for no SNI and
    /// for unknown names, so no other tenant's certificate is ever shown to a stranger.
    public let platform: ServingCertificate

    public init(byName: [String: ServingCertificate], platform: ServingCertificate) {
        self.byName = byName
        self.platform = platform
    }

    /// One dictionary lookup (two for a wildcard): O(1) in the number of certificates.
    public func certificate(forSNI serverName: String?) -> ServingCertificate {
        guard let name = serverName?.lowercased() else { return platform }
        if let exact = byName[name] { return exact }
        if let dot = name.firstIndex(of: ".") {
            let parent = name[name.index(after: dot)...]
            if parent.contains("."), let wildcard = byName["*." + parent] { return wildcard }
        }
        return platform
    }
}

/// Holds the current snapshot; the configuration watcher swaps it whole when the store changes,
/// and the next handshake sees the new one.
public final class CertificateRegistry: Sendable {
    private let state: Mutex<CertificateSnapshot>

    public init(_ snapshot: CertificateSnapshot) {
        state = Mutex(snapshot)
    }

    public var current: CertificateSnapshot { state.withLock { $0 } }

    public func replace(_ snapshot: CertificateSnapshot) {
        state.withLock { $0 = snapshot }
    }

    /// The listener's TLS settings: TLS 1.2 and 1.3 only, ECDHE with AEAD ciphers, HTTP/1.1, and a
    /// certificate chosen per handshake by SNI from this registry.
    public func serverConfiguration() -> TLSConfiguration {
        let platform = current.platform
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: platform.chain.map { .certificate($0) }, privateKey: .privateKey(platform.key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.maximumTLSVersion = .tlsv13
        configuration.cipherSuites = ServingTLSPolicy.tls12CipherSuites
        configuration.applicationProtocols = ServingTLSPolicy.applicationProtocols
        configuration.sslContextCallback = { [self] values, promise in
            promise.succeed(self.current.certificate(forSNI: values.serverHostname).override)
        }
        return configuration
    }
}
