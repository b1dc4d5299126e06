import Foundation

/// A child process started with posix_spawn. Tests spawn many processes from parallel threads, and
/// Foundation's `Process.run()` crashed doing that here (a bad read inside its own bookkeeping), so
/// test support spawns directly: explicit argv and environment, files for output, pipes for input.
public final class ChildProcess: @unchecked Sendable {
    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module does not export.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: CloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: CloseFrom.self) }

    private static func closeFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ lowest: Int32) {
        _ = addCloseFrom?(actions, lowest)
    }

    public let pid: pid_t
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// Starts `executable`; standard output and error go to the given files (created or truncated).
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String], currentDirectory: String? = nil,
        stdinText: String? = nil, stdoutPath: String, stderrPath: String
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else { throw SpawnError(message: "pipe failed: \(errno)") }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[0], 0)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[1])
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Nothing else of the test process reaches the child: SwiftNIO accepts sockets without
        // close-on-exec, and a child holding a copy of a test server's connection keeps it open after
        // the server closes it (the peer would never see the close).
        Self.closeFrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Children start with default signal handling and nothing blocked, whatever the test runner did.
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        // Glibc's module does not export posix_spawn_file_actions_addchdir_np: a shell changes directory.
        var executable = executable, arguments = arguments
        if let currentDirectory {
            arguments = ["-c", "cd \"$0\" && exec \"$@\"", currentDirectory, executable] + arguments
            executable = "/bin/sh"
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(pipeFDs[0])
        guard result == 0 else {
            close(pipeFDs[1])
            throw SpawnError(message: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        self.pid = pid
        if let stdinText {
            var bytes = Array(stdinText.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeMutableBytes { write(pipeFDs[1], $0.baseAddress! + offset, $0.count - offset) }
                if written <= 0 { break }
                offset += written
            }
        }
        close(pipeFDs[1])
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Reaps the child if it has exited; true while it runs.
    public var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid {
            exitStatus = Self.decode(status)
            return false
        }
        return result == 0
    }

    /// The exit code, or 128 + signal; nil while running.
    public var terminationStatus: Int32? {
        _ = isRunning
        return lock.withLock { exitStatus }
    }

    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits up to `seconds`; kills the child (SIGKILL) if it is still running then.
    @discardableResult
    public func wait(seconds: Double) -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning && Date() < deadline { usleep(10_000) }
        if isRunning {
            kill(pid, SIGKILL)
            while isRunning { usleep(10_000) }
        }
        return terminationStatus ?? -1
    }

    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }
}
