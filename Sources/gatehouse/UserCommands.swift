import ArgumentParser
import Foundation
import GatehouseApp

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage users, roles and credentials. <tenant> is a tenant prefix, or 'platform' for operators.",
        subcommands: [
            Add.self, List.self, Passwd.self, Disable.self, Enable.self, Remove.self, RoleCommand.self, KeyCommand.self,
            TokenCommand.self,
        ])

    struct Target: ParsableArguments {
        @Argument(help: "Tenant prefix, or 'platform'.") var tenant: String
        @Argument(help: "User name.") var name: String
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user with one or more roles.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: Target
        @Option(name: .customLong("role"), help: "admin, user, backup, auditor (or operator for platform users); repeatable.")
        var roles: [String] = []
        func run() throws { try execute(global) { try UserCommands($0).add(scope: target.tenant, name: target.name, roles: roles) } }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's users.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "Tenant prefix, or 'platform'.") var tenant: String
        func run() throws { try execute(global) { try UserCommands($0).list(scope: tenant, format: output.format) } }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a user's password, read from standard input.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: Target
        @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input (required).")
        var passwordStdin = false

        func validate() throws {
            guard passwordStdin else {
                throw ValidationError("pass --password-stdin and pipe the password in; passwords are never taken as arguments")
            }
        }

        func run() throws {
            try execute(global) { try UserCommands($0).passwd(scope: target.tenant, name: target.name, input: .standardInput) }
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user: credentials stop working, history stays.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: Target
        func run() throws { try execute(global) { try UserCommands($0).disable(scope: target.tenant, name: target.name) } }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled user.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: Target
        func run() throws { try execute(global) { try UserCommands($0).enable(scope: target.tenant, name: target.name) } }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user and their credentials; audit history stays.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: Target
        func run() throws { try execute(global) { try UserCommands($0).remove(scope: target.tenant, name: target.name) } }
    }

    struct RoleCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "role", abstract: "Grant or withdraw roles.", subcommands: [Add.self, Remove.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Grant one or more roles.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var target: Target
            @Argument(help: "admin, user, backup, auditor (operator for platform users).") var roles: [String] = []
            func run() throws {
                try execute(global) { try UserCommands($0).changeRoles(scope: target.tenant, name: target.name, roles: roles, adding: true) }
            }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Withdraw one or more roles (a user keeps at least one).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var target: Target
            @Argument(help: "Roles to withdraw.") var roles: [String] = []
            func run() throws {
                try execute(global) { try UserCommands($0).changeRoles(scope: target.tenant, name: target.name, roles: roles, adding: false) }
            }
        }
    }

    struct KeyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "key", abstract: "SSH public keys (Ed25519, ECDSA).", subcommands: [Add.self, List.self, Remove.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add an OpenSSH public key file (e.g. id_ed25519.pub).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var target: Target
            @Argument(help: "Public key file.") var file: String
            func run() throws { try execute(global) { try UserCommands($0).addKey(scope: target.tenant, name: target.name, file: file) } }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List keys of a tenant's users, or of one user.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var output: FormatOptions
            @Argument(help: "Tenant prefix, or 'platform'.") var tenant: String
            @Argument(help: "User name (default: every user).") var name: String?
            func run() throws { try execute(global) { try UserCommands($0).listKeys(scope: tenant, name: name, format: output.format) } }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a key by its SHA256 fingerprint.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var target: Target
            @Argument(help: "Fingerprint, as 'user key list' shows it.") var fingerprint: String
            func run() throws {
                try execute(global) { try UserCommands($0).removeKey(scope: target.tenant, name: target.name, fingerprint: fingerprint) }
            }
        }
    }

    struct TokenCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "token", abstract: "API tokens (shown once, stored as SHA-256).", subcommands: [Create.self, List.self, Revoke.self])

        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Create a token and print it once.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var target: Target
            @Option(help: "Expiry, YYYY-MM-DD (default: none).") var expires: String?
            func run() throws { try execute(global) { try UserCommands($0).createToken(scope: target.tenant, name: target.name, expires: expires) } }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List a user's tokens (never the tokens themselves).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var output: FormatOptions
            @OptionGroup var target: Target
            func run() throws { try execute(global) { try UserCommands($0).listTokens(scope: target.tenant, name: target.name, format: output.format) } }
        }

        struct Revoke: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a token by id.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var target: Target
            @Argument(help: "Token id, as 'user token list' shows it.") var id: Int64
            func run() throws { try execute(global) { try UserCommands($0).revokeToken(scope: target.tenant, name: target.name, id: id) } }
        }
    }
}
