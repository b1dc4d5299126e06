import Foundation

/// The built `gatehouse` executable, driven with a data directory of its own.
public struct GatehouseBinary: Sendable {
    public let path: String
    public let dataDirectory: String

    /// Finds the binary beside the test bundle (the build's products folder), or at GATEHOUSE_BINARY.
    public static func locate(file: String = #filePath) -> String {
        if let override = ProcessInfo.processInfo.environment["GATEHOUSE_BINARY"] { return override }
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [besideTests, besideTests.deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent("gatehouse").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return RepositoryRoot.url(file: file).appendingPathComponent(".build/debug/gatehouse").path
    }

    public init(dataDirectory: String, path: String = GatehouseBinary.locate()) {
        self.path = path
        self.dataDirectory = dataDirectory
    }

    /// Runs `gatehouse --data <dir> <arguments…>`; the data flag is placed after the subcommand path.
    @discardableResult
    public func run(_ arguments: String..., stdin: String? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
        try run(arguments, stdin: stdin, environment: environment)
    }

    @discardableResult
    public func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
        try ProcessRunner.run(path, arguments + ["--data", dataDirectory], stdin: stdin, environment: environment)
    }

    /// Runs without adding `--data`, for tests of how the data location is resolved.
    public func runBare(_ arguments: [String], environment: [String: String] = [:], currentDirectory: String? = nil) throws -> ProcessResult {
        try ProcessRunner.run(path, arguments, environment: environment, currentDirectory: currentDirectory)
    }
}
