import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Where requests for a tenant go: one upstream application server.
struct UpstreamKey: Hashable {
    let secure: Bool
    let host: String
    let port: Int

    init?(url: URL) {
        guard let scheme = url.scheme?.lowercased(), let host = url.host else { return nil }
        secure = scheme == "https"
        self.host = host
        port = url.port ?? (secure ? 443 : 80)
    }
}

/// An upstream connection as the pool lends it out.
final class UpstreamConnection {
    let key: UpstreamKey
    let channel: any Channel
    let handler: UpstreamHandler
    /// Taken from the idle pool: the upstream may have closed it meanwhile, so one retry is allowed.
    var reused = false

    init(key: UpstreamKey, channel: any Channel, handler: UpstreamHandler) {
        self.key = key
        self.channel = channel
        self.handler = handler
    }
}

/// Keep-alive connections to upstreams, one pool per event loop, used only on that loop: a proxied
/// request and its upstream connection share a thread, with no locks and no hops.
final class UpstreamPool {
    let eventLoop: any EventLoop
    private let maxIdlePerKey: Int
    private let connectTimeout: TimeAmount
    private let clientTLS: NIOSSLContext?
    private var idle: [UpstreamKey: [UpstreamConnection]] = [:]

    init(eventLoop: any EventLoop, maxIdlePerKey: Int, connectTimeout: TimeAmount, clientTLS: NIOSSLContext?) {
        self.eventLoop = eventLoop
        self.maxIdlePerKey = maxIdlePerKey
        self.connectTimeout = connectTimeout
        self.clientTLS = clientTLS
    }

    /// An idle live connection for `key`, if there is one. Call on this pool's event loop.
    func takeIdle(_ key: UpstreamKey) -> UpstreamConnection? {
        // Popped in place: copying the list out and back would copy it (and retain every connection in it).
        while let connection = idle[key]?.popLast() {
            if connection.handler.isActive && connection.channel.isActive {
                connection.reused = true
                return connection
            }
        }
        return nil
    }

    /// A new connection for `key`. Call on this pool's event loop.
    func connect(_ key: UpstreamKey) -> EventLoopFuture<UpstreamConnection>.Isolated {
        let clientTLS = self.clientTLS
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if key.secure {
                        guard let clientTLS else { throw UpstreamClosedError() }
                        let tls = try NIOSSLClientHandler(context: clientTLS, serverHostname: key.host)
                        try channel.pipeline.syncOperations.addHandler(tls)
                    }
                }
            }
        return bootstrap.connect(host: key.host, port: key.port).assumeIsolated().flatMapThrowing { [weak self] channel in
            let handler = UpstreamHandler()
            try channel.pipeline.syncOperations.addHandler(handler)
            let connection = UpstreamConnection(key: key, channel: channel, handler: handler)
            // Set once: a closed connection leaves the idle list (if it is there).
            handler.onClose = { [weak self, weak connection] in
                guard let self, let connection else { return }
                self.idle[connection.key]?.removeAll { $0 === connection }
            }
            return connection
        }
    }

    /// Returns a connection whose exchange finished cleanly; anything else is closed.
    func release(_ connection: UpstreamConnection) {
        eventLoop.preconditionInEventLoop()
        guard connection.handler.isActive, idle[connection.key, default: []].count < maxIdlePerKey else {
            connection.handler.close()
            return
        }
        connection.handler.receiver = nil
        connection.handler.resumeReads()
        idle[connection.key, default: []].append(connection)
    }
}

/// One pool per event loop of the group, made up front so lookup needs no lock.
final class UpstreamPools: Sendable {
    private let pools: [ObjectIdentifier: NIOLoopBoundBox<UpstreamPool>]

    init(group: any EventLoopGroup, settings: GatewaySettings, clientTLS: NIOSSLContext?) {
        var pools: [ObjectIdentifier: NIOLoopBoundBox<UpstreamPool>] = [:]
        for loop in group.makeIterator() {
            let pool = UpstreamPool(
                eventLoop: loop, maxIdlePerKey: settings.upstreamIdleConnections,
                connectTimeout: .milliseconds(Int64(settings.upstreamConnectTimeout * 1000)), clientTLS: clientTLS)
            pools[ObjectIdentifier(loop)] = NIOLoopBoundBox.makeBoxSendingValue(pool, eventLoop: loop)
        }
        self.pools = pools
    }

    /// The pool of the loop the caller is on.
    func pool(for eventLoop: any EventLoop) -> UpstreamPool {
        pools[ObjectIdentifier(eventLoop)]!.value
    }
}
