import Metrics
import Prometheus
import Synchronization

/// The process's metrics: swift-metrics facades backed by a Prometheus registry, rendered in the
/// text exposition format at `GET /api/v1/metrics` on the admin host (operators only).
enum GatehouseMetrics {
    static let registry = PrometheusCollectorRegistry()
    private static let bootstrapped = Mutex(false)

    /// Installs the factory once per process (the metrics system may be bootstrapped only once).
    static func bootstrap() {
        bootstrapped.withLock { done in
            guard !done else { return }
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            done = true
        }
    }

    static func exposition() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
