import ArgumentParser
import Foundation
import GatehouseApp

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Back up tenant databases; list, prune and verify backups.",
        subcommands: [Run.self, List.self, Prune.self, Verify.self])

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a full backup of one tenant, or of every tenant with a database.")
        @OptionGroup var global: GlobalOptions
        @Argument var tenant: String?
        func run() throws {
            try report { try BackupCommands(try open(global)).run(tenant) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's backups (kept 7 days).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: FormatOptions
        @Argument var tenant: String
        func run() throws { try execute(global) { try BackupCommands($0).list(tenant, format: output.format) } }
    }

    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete backups older than 7 days and leftovers of interrupted runs.")
        @OptionGroup var global: GlobalOptions
        func run() throws { try execute(global) { try BackupCommands($0).prune() } }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check backups: SHA-256, decompression, SQLite integrity_check. Exit 1 if any fails.")
        @OptionGroup var global: GlobalOptions
        @Argument var tenant: String
        @Argument(help: "One backup's id (default: all of the tenant's).") var id: Int64?
        func run() throws {
            try report { try BackupCommands(try open(global)).verify(tenant, id: id) }
        }
    }
}
