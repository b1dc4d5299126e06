import Foundation
import GatehouseCore
import Logging
import NIOCore
import NIOPosix
import NIOSSH
import ServiceLifecycle

/// The SSH server for backup downloads, as one service of `gatehouse serve`: Ed25519 host key,
/// password and public-key sign-in, the `sftp` subsystem only; no shell, exec or forwarding.
public final class SFTPServer: Service, Sendable {
    let settings: SFTPSettings
    let services: SFTPServices
    let group: any EventLoopGroup
    let addresses: ConnectionLimiter
    let users: ConnectionLimiter

    public init(settings: SFTPSettings, services: SFTPServices, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.settings = settings
        self.services = services
        self.group = group
        addresses = ConnectionLimiter(limit: settings.maxConnectionsPerAddress)
        users = ConnectionLimiter(limit: settings.maxConnectionsPerUser)
    }

    public func run() async throws {
        let hostKey = NIOSSHPrivateKey(ed25519Key: services.hostKey)
        let services = services, settings = settings, addresses = addresses, users = users
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let peer = channel.remoteAddress?.ipAddress.flatMap({ try? IPAddress($0) }) else {
                        throw ChannelError.inputClosed
                    }
                    // A banned address, or one over its connection cap, is closed before the SSH handshake.
                    if case .banned = services.defender.admit(peer) {
                        services.logger.info("sftp connection refused: address banned", metadata: ["client": "\(peer)"])
                        throw ChannelError.inputClosed
                    }
                    guard addresses.acquire(peer.description) else {
                        services.logger.warning("sftp connection refused: too many connections", metadata: ["client": "\(peer)"])
                        throw ChannelError.inputClosed
                    }
                    let identity = SessionIdentity()
                    channel.closeFuture.whenComplete { _ in
                        addresses.release(peer.description)
                        channel.eventLoop.execute {
                            if let key = identity.userKey { users.release(key) }
                            if identity.user == nil && identity.attempts == 0 {
                                services.logger.info(
                                    "sftp connection closed without a sign-in the server could check",
                                    metadata: ["client": "\(peer)", "reason": "no password and no Ed25519 or ECDSA key offered (RSA keys are not accepted)"])
                            }
                        }
                    }
                    let authenticator = SSHAuthenticator(services: services, peer: peer, identity: identity, users: users)
                    var configuration = SSHServerConfiguration(hostKeys: [hostKey], userAuthDelegate: authenticator, globalRequestDelegate: RefuseForwarding())
                    configuration.maxAuthAttempts = 6
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(allTimeout: .seconds(settings.idleTimeout)))
                    try sync.addHandler(IdleCloser(logger: services.logger))
                    try sync.addHandler(
                        NIOSSHHandler(
                            role: .server(configuration), allocator: channel.allocator,
                            inboundChildChannelInitializer: { child, type in
                                guard case .session = type, let user = identity.user, let tenant = identity.tenant else {
                                    return child.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
                                }
                                return child.eventLoop.makeCompletedFuture {
                                    try child.pipeline.syncOperations.addHandler(
                                        SFTPChannelHandler(services: services, settings: settings, tenant: tenant, user: user, peer: peer))
                                }
                            }))
                    try sync.addHandler(ConnectionErrorHandler(logger: services.logger))
                }
            }
            .bind(host: settings.bindHost, port: settings.port).get()
        services.logger.info(
            "sftp listening",
            metadata: ["sftp_port": "\(server.localAddress?.port ?? 0)", "host_key": "\(SFTPHostKey.fingerprint(services.hostKey))"])
        try? await gracefulShutdown()
        try? await server.close()
    }
}

/// Port forwarding is never offered.
struct RefuseForwarding: GlobalRequestDelegate {}

/// Closes a connection idle past the timeout.
final class IdleCloser: ChannelInboundHandler {
    typealias InboundIn = Any
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            logger.info("sftp connection closed: idle")
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// Protocol errors from the SSH layer close the connection; they are logged, never crash.
final class ConnectionErrorHandler: ChannelInboundHandler {
    typealias InboundIn = Any
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.info("sftp connection closed after an error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
