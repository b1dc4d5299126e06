import ArgumentParser
import Foundation
import GatehouseApp

@main
struct GatehouseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse",
        abstract: "The front door of the ERP platform: HTTPS gateway, tenants, users, credentials, allowlists and a tamper-evident audit log.",
        version: GatehouseVersion.current,
        subcommands: [
            DemoCommand.self, ServeCommand.self, TenantCommand.self, UserCommand.self, AllowlistCommand.self,
            DomainCommand.self, CertificateCommand.self, AuditCommand.self, BackupCommand.self, SFTPCommand.self, PCICommand.self,
            EvidenceCommand.self, IncidentCommand.self,
        ])
}

/// Options every command takes; flags win over GATEHOUSE_DATA / GATEHOUSE_CERTIFICATES.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: "Data directory (env GATEHOUSE_DATA, default ./data).")
    var data: String?

    @Option(name: .customLong("certificates"), help: "Certificate store (env GATEHOUSE_CERTIFICATES, default ./Certificates).")
    var certificates: String?

    @Option(name: .customLong("log-format"), help: "Log line format: text or json.")
    var logFormat: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?
}

struct FormatOptions: ParsableArguments {
    @Flag(name: .customLong("json"), help: "Print JSON for scripts instead of a table.")
    var json = false

    var format: OutputFormat { json ? .json : .table }
}

/// Opens Gatehouse, runs one command, prints its output; any `GatehouseError` becomes one line on stderr and exit 1.
func execute(
    _ global: GlobalOptions, _ body: (GatehouseContext) throws -> CommandOutput
) throws {
    do {
        let context = try open(global)
        emit(try body(context))
    } catch let error as GatehouseError {
        fail(error)
    }
}

/// Prints a result whose failure is not an argument error (exit 1 after printing everything).
func report(_ body: () throws -> (output: CommandOutput, failed: Bool)) throws {
    do {
        let result = try body()
        emit(result.output)
        if result.failed { throw ExitCode(1) }
    } catch let error as GatehouseError {
        fail(error)
    }
}

func open(_ global: GlobalOptions, policies: String? = nil) throws -> GatehouseContext {
    let settings = try GatehouseSettings(
        dataFlag: global.data, certificatesFlag: global.certificates, policiesFlag: policies, logFormat: global.logFormat,
        logLevel: global.logLevel)
    GatehouseLogging.bootstrap(settings)
    return GatehouseContext(settings)
}

func emit(_ output: CommandOutput) {
    for note in output.stderr { FileHandle.standardError.write(Data((note + "\n").utf8)) }
    FileHandle.standardOutput.write(Data(output.stdout.utf8))
}

func fail(_ error: GatehouseError) -> Never {
    FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
    exit(1)
}
