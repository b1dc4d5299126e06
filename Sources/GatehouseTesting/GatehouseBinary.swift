import Foundation

/// The built `gatehouse` executable, driven with a data directory and a certificate store of its
/// own (never the repository's `Certificates/`, which parallel tests would otherwise share).
public struct GatehouseBinary: Sendable {
    public let path: String
    public let dataDirectory: String
    /// Passed as GATEHOUSE_CERTIFICATES: beside the data directory, in the same temporary folder.
    public let certificatesDirectory: String

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
        certificatesDirectory = URL(fileURLWithPath: dataDirectory).deletingLastPathComponent().appendingPathComponent("certs").path
    }

    /// The environment a child `gatehouse` gets: the caller's, without a data location, with this
    /// binary's certificate store.
    public func environment(_ overrides: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "GATEHOUSE_DATA")
        return environment.merging(withCertificates(overrides)) { $1 }
    }

    /// `overrides` with this binary's certificate store, unless they name another.
    private func withCertificates(_ overrides: [String: String]) -> [String: String] {
        ["GATEHOUSE_CERTIFICATES": certificatesDirectory].merging(overrides) { $1 }
    }

    /// Runs `gatehouse --data <dir> <arguments…>`; the data flag is placed after the subcommand path.
    @discardableResult
    public func run(_ arguments: String..., stdin: String? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
        try run(arguments, stdin: stdin, environment: environment)
    }

    @discardableResult
    public func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
        try ProcessRunner.run(
            path, arguments + ["--data", dataDirectory], stdin: stdin, environment: withCertificates(environment))
    }

    /// Runs without adding `--data`, for tests of how the data location is resolved.
    public func runBare(_ arguments: [String], environment: [String: String] = [:], currentDirectory: String? = nil) throws -> ProcessResult {
        try ProcessRunner.run(
            path, arguments, environment: withCertificates(environment), currentDirectory: currentDirectory)
    }
}
