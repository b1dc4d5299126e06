import ArgumentParser
import GatehouseApp

struct TenantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant", abstract: "Create, list, suspend, resume and delete tenants.",
        subcommands: [Create.self, List.self, Show.self, Set.self, Suspend.self, Resume.self, Delete.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "DNS label: 3-63 of a-z, 0-9, '-'.") var prefix: String
        @Option(help: "The tenant's application, http or https URL.") var upstream: String
        @Option(help: "Where the tenant's data resides (ca-central, us-east, eu-west, ...).") var region: String?
        @Option(help: "The tenant's SQLite database file, for backups.") var database: String?
        @Option(help: "Subscription expiry, YYYY-MM-DD (default: a year from today).") var expires: String?
        @Option(help: "Display name (default: the prefix).") var name: String?

        func run() throws {
            try execute(global) {
                try TenantCommands($0).create(
                    .init(prefix: prefix, upstream: upstream, region: region, database: database, expires: expires, name: name))
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: FormatOptions
        func run() throws { try execute(global) { try TenantCommands($0).list(format: output.format) } }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one tenant.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: FormatOptions
        @Argument var prefix: String
        func run() throws { try execute(global) { try TenantCommands($0).show(prefix, format: output.format) } }
    }

    struct Suspend: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Suspend a tenant now (data kept 30 days).")
        @OptionGroup var global: GlobalOptions
        @Argument var prefix: String
        func run() throws { try execute(global) { try TenantCommands($0).suspend(prefix) } }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a suspended tenant.")
        @OptionGroup var global: GlobalOptions
        @Argument var prefix: String
        @Option(help: "New subscription expiry, YYYY-MM-DD; needed when the subscription has expired.") var expires: String?
        func run() throws { try execute(global) { try TenantCommands($0).resume(prefix, expires: expires) } }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a tenant's card tokenization settings.")
        @OptionGroup var global: GlobalOptions
        @Argument var prefix: String
        @Option(help: "Replace card numbers in requests with tokens: on (default) or off.") var tokenization: String?
        @Option(name: .customLong("keep-bin"), help: "Tokens also keep the first six digits: yes or no (default).") var keepBIN: String?
        @Option(help: "HTTPS URL that exchanges card numbers for the processor's tokens, or 'none'.") var cardProcessor: String?
        func run() throws {
            try execute(global) {
                try TenantCommands($0).set(prefix, tokenization: tokenization, keepBIN: keepBIN, cardProcessor: cardProcessor)
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a tenant (refused before its purge date unless --force).")
        @OptionGroup var global: GlobalOptions
        @Argument var prefix: String
        @Flag(help: "Delete even though the retention period has not ended.") var force = false
        func run() throws { try execute(global) { try TenantCommands($0).delete(prefix, force: force) } }
    }
}
