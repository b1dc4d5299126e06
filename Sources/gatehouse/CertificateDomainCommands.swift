import ArgumentParser
import Foundation
import GatehouseApp

/// Runs an async command the way `execute` runs a sync one.
func executeAsync(_ global: GlobalOptions, _ body: (GatehouseContext) async throws -> CommandOutput) async throws {
    do {
        let context = try open(global)
        emit(try await body(context))
    } catch let error as GatehouseError {
        fail(error)
    }
}

struct CertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert", abstract: "The development CA, the platform certificate and custom-domain certificates.",
        subcommands: [DevCA.self, ImportPlatform.self, Import.self, List.self])

    struct Files: ParsableArguments {
        @Option(help: "PEM file: the certificate, then its intermediates.") var cert: String
        @Option(help: "PEM file: the unencrypted private key.") var key: String
        @Option(name: .customLong("trust-root"), help: "Extra root CA file the chain may end at; repeatable.") var trustRoots: [String] = []
    }

    struct DevCA: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dev-ca", abstract: "Print the development CA file's path (made on first use), for curl --cacert.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var platform: PlatformOptions
        func run() async throws {
            try await executeAsync(global) { try CertificateCommands($0, platformDomain: platform.resolved).devCA() }
        }
    }

    struct ImportPlatform: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-platform", abstract: "Install a real certificate for *.<platform-domain>.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var platform: PlatformOptions
        @OptionGroup var files: Files
        func run() async throws {
            try await executeAsync(global) {
                try await CertificateCommands($0, platformDomain: platform.resolved, trustRoots: files.trustRoots)
                    .importPlatform(certificateFile: files.cert, keyFile: files.key)
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import the certificate of a tenant's custom domain.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var platform: PlatformOptions
        @Argument(help: "The custom hostname, added with 'domain add'.") var hostname: String
        @OptionGroup var files: Files
        func run() async throws {
            try await executeAsync(global) {
                try await CertificateCommands($0, platformDomain: platform.resolved, trustRoots: files.trustRoots)
                    .importCertificate(hostname: hostname, certificateFile: files.cert, keyFile: files.key)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List certificates with expiry and status.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var platform: PlatformOptions
        @OptionGroup var output: FormatOptions
        func run() async throws {
            try await executeAsync(global) { try CertificateCommands($0, platformDomain: platform.resolved).list(format: output.format) }
        }
    }
}

struct DomainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domain", abstract: "A tenant's own hostnames, each belonging to one tenant.",
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a custom hostname to a tenant.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var platform: PlatformOptions
        @Argument var tenant: String
        @Argument var hostname: String
        func run() throws {
            try execute(global) { try DomainCommands($0).add(tenant: tenant, hostname: hostname, platformDomain: platform.resolved) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List custom hostnames, of one tenant or all.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: FormatOptions
        @Argument var tenant: String?
        func run() throws { try execute(global) { try DomainCommands($0).list(tenant: tenant, format: output.format) } }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a custom hostname and its certificate.")
        @OptionGroup var global: GlobalOptions
        @Argument var tenant: String
        @Argument var hostname: String
        func run() throws { try execute(global) { try DomainCommands($0).remove(tenant: tenant, hostname: hostname) } }
    }
}
