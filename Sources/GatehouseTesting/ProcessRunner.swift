import Foundation

/// The outcome of running a command to completion.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    /// Non-empty stderr lines.
    public var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
}

/// Runs real programs (the built `gatehouse`, `sqlite3`, `ssh-keygen`) for integration tests.
public enum ProcessRunner {
    /// Runs `executable` with `arguments`, feeding `stdin`, and waits (up to `timeout` seconds).
    public static func run(
        _ executable: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
        currentDirectory: String? = nil, timeout: TimeInterval = 120
    ) throws -> ProcessResult {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "GATEHOUSE_DATA")
        env.removeValue(forKey: "GATEHOUSE_CERTIFICATES")
        env.merge(environment) { $1 }
        let scratch = TemporaryDirectory("gatehouse-proc")
        let outPath = scratch.path("out"), errPath = scratch.path("err")
        let child = try ChildProcess(
            executable, arguments, environment: env, currentDirectory: currentDirectory, stdinText: stdin ?? "",
            stdoutPath: outPath, stderrPath: errPath)
        let status = child.wait(seconds: timeout)
        return ProcessResult(
            status: status,
            stdout: String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data(), as: UTF8.self),
            stderr: String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data(), as: UTF8.self))
    }

    /// The first match for `name` on PATH, if any.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
