import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseSFTP
import GatehouseStore
import GatehouseTokenization
import GatehouseTLS
import Logging
import ServiceLifecycle

/// `gatehouse serve`: every long-running part of Gatehouse as services of one `ServiceGroup`.
/// SIGTERM or SIGINT shuts them down gracefully.
public struct GatehouseServer: Sendable {
    let context: GatehouseContext
    let options: ServeOptions
    let checkpointInterval: Duration

    public init(_ context: GatehouseContext, options: ServeOptions = ServeOptions(), checkpointInterval: Duration = .seconds(3600)) {
        self.context = context
        self.options = options
        self.checkpointInterval = checkpointInterval
    }

    public func run() async throws {
        let logger = Logger(label: "gatehouse")
        let settings = try options.gatewaySettings()
        let defenderConfiguration = try options.defenderConfiguration()
        let backupSchedule = try options.backupSchedule()
        let sftpSettings = try options.sftpSettings()
        GatehouseMetrics.bootstrap()
        // Trust roots are read now so a bad --trust-root stops the start with a clear message.
        _ = try TrustStore.load(extraFiles: options.trustRoots)
        let store = try context.store()
        let platform = PlatformCertificate(context: context, domain: settings.platformDomain)
        if try platform.ensure() {
            logger.info("made a development certificate for the platform domain", metadata: ["ca": "\(platform.caPath)"])
        }

        let gatewayState = GatewayState(try GatewayConfiguration.load(from: store, platformDomain: settings.platformDomain))
        let loader = CertificateSnapshotLoader(
            store: store, files: CertificateFiles(root: context.settings.certificatesPath, sealer: store.sealer),
            platformHostname: platform.hostname, logger: logger)
        let registry = CertificateRegistry(try loader.load(previous: nil))
        // One defender for HTTPS and SFTP: failures on either count towards a ban on both.
        let defender = SharedDefender(configuration: defenderConfiguration, clock: context.clock)
        let services = GatewayServices(
            credentials: StoreCredentialVerifier(database: store), audit: store.audit, cards: RequestTokenizer(),
            sessions: store.sessions, defender: defender, clock: context.clock,
            tokensUsed: { [clock = context.clock] used in try? await store.markTokensUsed(used, at: clock.now()) },
            logger: logger, accessLog: AccessLogWriter(format: context.settings.logFormat))

        try await store.audit.record(
            AuditEvent(
                time: context.now, actor: .system("server"), action: AuditAction.serverStart,
                details: ["pid": String(ProcessInfo.processInfo.processIdentifier), "platform_domain": settings.platformDomain.value]))
        let journal = try store.journalMode()
        logger.info("gatehouse serving", metadata: ["data": "\(store.dataDirectory.url.path)", "journal": "\(journal)"])

        var group: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: AuditCheckpointService(store: store, interval: checkpointInterval, logger: logger)),
            .init(
                service: ConfigurationWatcher(
                    store: store, platformDomain: settings.platformDomain, gateway: gatewayState, certificates: registry,
                    certificateLoader: loader, interval: .milliseconds(500), logger: logger, clock: context.clock,
                    sessionIdleTimeout: settings.sessionIdleTimeout)),
            .init(
                service: GatewayServer(
                    settings: settings, state: gatewayState, services: services, tlsConfiguration: registry.serverConfiguration(),
                    admin: AdminAPI(context: context, platformDomain: settings.platformDomain, trustRoots: options.trustRoots))),
        ]
        let backupEngine = try BackupCommands.engine(context)
        if let sftpSettings {
            group.append(
                .init(
                    service: SFTPServer(
                        settings: sftpSettings,
                        services: SFTPServices(
                            hostKey: try SFTPWiring.hostKey(store), credentials: StoreCredentialVerifier(database: store), audit: store.audit,
                            defender: defender, clock: context.clock, access: { gatewayState.current.access },
                            files: SFTPWiring.downloadables(store, files: backupEngine.files, clock: context.clock), logger: logger))))
        }
        group.append(
            .init(service: BackupScheduler(context: context, schedule: backupSchedule, engine: backupEngine, logger: logger)))
        if options.demoApplication {
            group.append(.init(service: DemoApplication(logger: logger)))
        }
        let serviceGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: group, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await serviceGroup.run()
        try await store.audit.record(AuditEvent(time: context.now, actor: .system("server"), action: AuditAction.serverStop))
        try store.audit.checkpoint(by: .system("audit"), onlyIfNew: true)
        logger.info("gatehouse stopped cleanly")
        LogWriter.shared.flush()
    }
}
