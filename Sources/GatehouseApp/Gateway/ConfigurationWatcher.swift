import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseStore
import GatehouseTLS
import Logging
import Metrics
import ServiceLifecycle

/// Polls the store's configuration generation and swaps in new snapshots when it moves, so a change
/// made by the CLI (another process) or the admin API reaches the running server within a second.
/// Hourly it also raises certificate expiry warnings at 30, 14 and 7 days.
struct ConfigurationWatcher: Service {
    let store: AppDatabase
    let platformDomain: HostName
    let gateway: GatewayState
    let certificates: CertificateRegistry
    let certificateLoader: CertificateSnapshotLoader
    let interval: Duration
    let logger: Logger
    let clock: any WallClock
    let sessionIdleTimeout: TimeInterval

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var generation = gateway.current.access.generation
            var lastExpiryCheck = Date.distantPast
            while !Task.isCancelled {
                do {
                    let current = try store.configurationGeneration()
                    if current != generation {
                        try reload()
                        generation = current
                        lastExpiryCheck = .distantPast
                    }
                    if clock.now().timeIntervalSince(lastExpiryCheck) >= 3600 {
                        checkExpiry()
                        lastExpiryCheck = clock.now()
                        let pruned = try await store.sessions.prune(now: clock.now(), idleTimeout: sessionIdleTimeout)
                        if pruned > 0 { logger.info("expired sessions removed", metadata: ["count": "\(pruned)"]) }
                    }
                } catch {
                    logger.error("configuration reload failed; serving the previous one", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }

    func reload() throws {
        let configuration = try GatewayConfiguration.load(from: store, platformDomain: platformDomain)
        gateway.replace(configuration)
        certificates.replace(try certificateLoader.load(previous: certificates.current))
        logger.info("configuration reloaded", metadata: ["generation": "\(configuration.access.generation)"])
    }

    /// 30/14/7-day warnings: a log line and an audit event, once per threshold and certificate.
    func checkExpiry() {
        guard let catalogued = try? store.certificates.all() else { return }
        let now = clock.now()
        for certificate in catalogued {
            let days = certificate.daysLeft(at: now)
            Gauge(label: "gatehouse_certificate_expiry_days", dimensions: [("hostname", certificate.hostname)]).record(days)
            guard let threshold = certificate.warningThreshold(at: now) else { continue }
            if (try? store.certificates.raiseExpiryWarning(hostname: certificate.hostname, days: threshold)) == true {
                Counter(label: "gatehouse_certificate_expiry_warnings_total", dimensions: [("threshold_days", String(threshold))]).increment()
                logger.warning(
                    "certificate expires soon",
                    metadata: ["hostname": "\(certificate.hostname)", "days_left": "\(days)", "not_after": "\(certificate.notAfter.iso8601)"])
            }
        }
    }
}
