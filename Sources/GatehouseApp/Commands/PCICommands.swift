import Foundation
import GatehouseCore

/// `gatehouse pci scan`: proof that no file Gatehouse keeps holds a card number.
public struct PCICommands: Sendable {
    let settings: GatehouseSettings

    public init(_ context: GatehouseContext) { settings = context.settings }

    /// Environment variable naming the directory operators send logs to; scanned by default when set.
    public static let logsEnvironmentKey = "GATEHOUSE_LOGS"

    /// The output, and whether the scan is clean (exit 0) or found or could not check something (exit 1).
    public func scan(paths: [String], format: OutputFormat) throws(GatehouseError) -> (output: CommandOutput, clean: Bool) {
        var targets = paths
        if targets.isEmpty {
            targets = [settings.dataPath, settings.certificatesPath]
            if let logs = ProcessInfo.processInfo.environment[Self.logsEnvironmentKey], !logs.isEmpty { targets.append(logs) }
            targets = targets.filter { FileManager.default.fileExists(atPath: $0) }
        }
        let started = Date()
        let scanner = PCIScanner { bytes, files in
            FileHandle.standardError.write(Data("scanning: \(files) files, \(bytes / 1_000_000) MB so far\n".utf8))
        }
        try scanner.scan(paths: targets)
        let seconds = max(Date().timeIntervalSince(started), 0.001)
        let megabytes = Double(scanner.bytes) / 1_000_000
        var notes = scanner.unscannable.map { "error: \($0.path) could not be scanned: \($0.reason)" }
        notes.append(
            String(
                format: "scanned %d files, %.1f MB in %.2f s (%.0f MB/s): %d card number%@ found",
                scanner.files, megabytes, seconds, megabytes / seconds, scanner.findings.count, scanner.findings.count == 1 ? "" : "s"))
        let clean = scanner.findings.isEmpty && scanner.unscannable.isEmpty
        if format == .json {
            var output = CommandOutput.json(scanner.findings)
            output.stderr = notes
            return (output, clean)
        }
        let lines = scanner.findings.map { finding in
            "\(finding.file)\(finding.member.map { "!\($0)" } ?? ""):\(finding.offset): \(finding.masked) (\(finding.brand))\n"
        }
        return (CommandOutput(lines.joined(), notes: notes), clean)
    }
}
