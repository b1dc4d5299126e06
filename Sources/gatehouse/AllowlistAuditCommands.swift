import ArgumentParser
import Foundation
import GatehouseApp

struct AllowlistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allowlist", abstract: "IP allowlists per tenant, optionally narrowed per user.",
        subcommands: [Add.self, List.self, Remove.self])

    struct Rule: ParsableArguments {
        @Argument(help: "Tenant prefix.") var tenant: String
        @Argument(help: "CIDR block, e.g. 203.0.113.0/24 or 2001:db8::/32; a bare address is one host.") var cidr: String
        @Option(help: "Apply the rule to one user of the tenant only.") var user: String?
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Allow a CIDR block.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var rule: Rule
        func run() throws { try execute(global) { try AllowlistCommands($0).add(tenant: rule.tenant, cidr: rule.cidr, user: rule.user) } }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's rules.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "Tenant prefix.") var tenant: String
        func run() throws { try execute(global) { try AllowlistCommands($0).list(tenant: tenant, format: output.format) } }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a rule.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var rule: Rule
        @Flag(help: "Allow removing the last tenant-wide rule, which admits every address.") var force = false
        func run() throws {
            try execute(global) { try AllowlistCommands($0).remove(tenant: rule.tenant, cidr: rule.cidr, user: rule.user, force: force) }
        }
    }
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read, checkpoint and verify the tamper-evident audit log.",
        subcommands: [List.self, Verify.self, Checkpoint.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List audit events, oldest first.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: FormatOptions
        @Option(help: "Only this tenant's events ('platform' for platform users).") var tenant: String?
        @Option(help: "Only events from this day on, YYYY-MM-DD.") var since: String?
        @Option(help: "At most this many of the latest events.") var limit: Int?
        func run() throws {
            try execute(global) { try AuditCommands($0).list(tenant: tenant, since: since, limit: limit, format: output.format) }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain and signed checkpoints; exit 1 naming the first broken or missing event.")
        @OptionGroup var global: GlobalOptions
        func run() throws {
            var intact = true
            try execute(global) { context in
                let result = try AuditCommands(context).verify()
                intact = result.intact
                return result.output
            }
            if !intact { throw ExitCode(1) }
        }
    }

    struct Checkpoint: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign the chain's head now (serve also does so hourly).")
        @OptionGroup var global: GlobalOptions
        func run() throws { try execute(global) { try AuditCommands($0).checkpoint() } }
    }
}
