import ArgumentParser
import Foundation
import GatehouseApp

struct EvidenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence", abstract: "Export signed SOC 1, SOC 2 and PIPEDA evidence bundles; verify them offline.",
        subcommands: [Export.self, Verify.self, PublicKey.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a signed evidence bundle (ZIP) for an audit period: controls, populations, policies, OSCAL, audit segment.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "soc1, soc2 or pipeda.") var framework: String
        @Option(help: "First day of the period (YYYY-MM-DD, UTC).") var from: String
        @Option(help: "Last day of the period, inclusive (YYYY-MM-DD, UTC).") var to: String
        @Option(help: "Only this tenant's evidence (default: all tenants).") var tenant: String?
        @Option(help: "The bundle to write (.zip); it must not exist yet.") var out: String
        @Option(help: "Control catalogs and policies (env GATEHOUSE_POLICIES, default ./Policies).") var policies: String?
        func run() throws {
            do {
                emit(try EvidenceCommands(try open(global, policies: policies)).export(framework: framework, from: from, to: to, tenant: tenant, out: out))
            } catch let error as GatehouseError {
                fail(error)
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a bundle offline: signature, every file's SHA-256, no file missing or added, the audit chain. Exit 1 naming the first problem.")
        @Argument(help: "The bundle (.zip).") var file: String
        @Option(help: "The public key you were given (public-key.pem) or its fingerprint (SHA256:…); default: the bundle's own key.")
        var key: String?
        func run() throws {
            try report { try EvidenceCommands.verify(file, key: key) }
        }
    }

    struct PublicKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public-key", abstract: "Print the platform's signing key (PEM) and its fingerprint, for auditors to pin.")
        @OptionGroup var global: GlobalOptions
        func run() throws { try execute(global) { try EvidenceCommands($0).publicKey() } }
    }
}

struct IncidentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident", abstract: "The breach register (PIPEDA s.10.3): record incidents and list them.",
        subcommands: [Record.self, List.self])

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an incident to the register (kept at least 24 months, never deleted).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "What happened, in one line.") var title: String
        @Option(help: "The day it was detected (YYYY-MM-DD).") var detected: String
        @Option(help: "An affected tenant (repeatable).") var tenant: [String] = []
        @Option(name: .customLong("significant-harm"), help: "Real risk of significant harm: yes or no.") var significantHarm: String?
        @Option(help: "The day individuals and the Commissioner were notified (YYYY-MM-DD).") var notified: String?
        func run() throws {
            try execute(global) {
                try IncidentCommands($0).record(
                    title: title, detected: detected, tenants: tenant, significantHarm: significantHarm, notified: notified)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the register, oldest first.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: FormatOptions
        @Option(help: "Only incidents naming this tenant.") var tenant: String?
        func run() throws { try execute(global) { try IncidentCommands($0).list(tenant: tenant, format: output.format) } }
    }
}
