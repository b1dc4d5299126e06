import ArgumentParser
import Foundation
import GatehouseApp

struct PCICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pci", abstract: "Card-data (PCI DSS) checks.", subcommands: [Scan.self])

    struct Scan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Scan files for card numbers (default: the data directory, the certificate store and $GATEHOUSE_LOGS).",
            discussion: "Every byte is read, gzip streams and ZIP members decompressed. Matches print masked (BIN and last 4). Exit 1 if any card number is found or a file cannot be scanned.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "Files or directories to scan.") var paths: [String] = []

        func run() throws {
            try report {
                let result = try PCICommands(try open(global)).scan(paths: paths, format: output.format)
                return (result.output, !result.clean)
            }
        }
    }
}
