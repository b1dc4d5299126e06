import Foundation
import GatehouseCore
import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS
import ServiceLifecycle

/// The HTTPS gateway and its HTTP redirect listener, as one service of `gatehouse serve`.
public final class GatewayServer: Service, Sendable {
    let settings: GatewaySettings
    let state: GatewayState
    let services: GatewayServices
    let tlsConfiguration: TLSConfiguration
    let group: any EventLoopGroup
    let admin: (any AdminBackend)?

    public init(
        settings: GatewaySettings, state: GatewayState, services: GatewayServices, tlsConfiguration: TLSConfiguration,
        admin: (any AdminBackend)? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.settings = settings
        self.state = state
        self.services = services
        self.tlsConfiguration = tlsConfiguration
        self.group = group
        self.admin = admin
    }

    public func run() async throws {
        let logger = services.logger
        let serverContext = try NIOSSLContext(configuration: tlsConfiguration)
        var clientConfiguration = TLSConfiguration.makeClientConfiguration()
        clientConfiguration.minimumTLSVersion = .tlsv12
        let clientContext = try NIOSSLContext(configuration: clientConfiguration)
        let shared = GatewayShared(
            settings: settings, state: state, services: services,
            pools: UpstreamPools(group: group, settings: settings, clientTLS: clientContext), admin: admin)

        // On shutdown the listener closes, idle connections close, and busy ones close after their
        // current response (GatewayHandler honours the quiesce event).
        let quiesce = ServerQuiescingHelper(group: group)
        let https = try await ServerBootstrap(group: group)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiesce.makeServerChannelHandler(channel: channel))
                }
            }
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.maxMessagesPerRead, value: 64)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sni = SNIHandler { result in
                        channel.eventLoop.makeCompletedFuture {
                            let serverName: String? = if case .hostname(let name) = result { name } else { nil }
                            let sync = channel.pipeline.syncOperations
                            try sync.addHandler(NIOSSLServerHandler(context: serverContext))
                            // GatewayHandler reads and writes HTTP/1 itself, orders pipelined requests and
                            // answers unreadable ones: no codec handlers between it and TLS.
                            try sync.addHandler(GatewayHandler(shared: shared, serverName: serverName))
                        }
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(sni))
                }
            }
            .bind(host: settings.bindHost, port: settings.httpsPort).get()

        var http: (any Channel)?
        if let httpPort = settings.httpPort {
            let suffix = https.localAddress?.port.map { $0 == 443 ? "" : ":\($0)" } ?? settings.httpsPortSuffix
            http = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(RedirectHandler(httpsPortSuffix: suffix))
                    }
                }
                .bind(host: settings.bindHost, port: httpPort).get()
        }
        if let address = https.localAddress {
            logger.info(
                "gateway listening",
                metadata: [
                    "https_port": "\(address.port ?? 0)", "http_port": "\(http?.localAddress?.port.map(String.init) ?? "off")",
                    "bind": "\(settings.bindHost)", "platform_domain": "\(settings.platformDomain)",
                ])
        }

        // Token uses are written every few seconds and tokenization counts every second, in
        // batches, never one write per request.
        let tokens = shared.tokens
        let tokenizations = shared.tokenizations
        try? await cancelWhenGracefulShutdown {
            var tick = 0
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(1))
                await tokenizations.flush(to: self.services.audit, logger: logger)
                tick += 1
                guard tick % 5 == 0 else { continue }
                let used = tokens.drainUsed()
                if !used.isEmpty { await self.services.tokensUsed(used) }
            }
        }
        let used = tokens.drainUsed()
        if !used.isEmpty { await services.tokensUsed(used) }
        logger.info("gateway stopping: no new connections; finishing open requests")
        try? await http?.close()
        let drained = group.next().makePromise(of: Void.self)
        quiesce.initiateShutdown(promise: drained)
        let finished = await withTaskGroup(of: Bool.self) { tasks in
            tasks.addTask { (try? await drained.futureResult.get()) != nil }
            tasks.addTask {
                try? await Task.sleep(for: .seconds(10))
                return false
            }
            let first = await tasks.next() ?? false
            tasks.cancelAll()
            return first
        }
        if !finished { logger.warning("gateway stopped with connections still open after 10 s") }
        await tokenizations.flush(to: services.audit, logger: logger)
        _ = https
    }
}
