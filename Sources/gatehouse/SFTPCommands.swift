import ArgumentParser
import GatehouseApp

struct SFTPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sftp", abstract: "The SFTP server for backup downloads.", subcommands: [HostKey.self])

    struct HostKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "host-key", abstract: "Print the SFTP host key's SHA256 fingerprint and public key.")
        @OptionGroup var global: GlobalOptions
        func run() throws { try execute(global) { try SFTPCommands($0).hostKey() } }
    }
}
