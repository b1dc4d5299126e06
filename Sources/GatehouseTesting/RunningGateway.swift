import Foundation

/// A `gatehouse serve` process on free loopback ports, with a data directory of its own, for
/// integration tests that talk to it with curl and openssl.
public final class RunningGateway: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let gatehouse: GatehouseBinary
    public private(set) var httpsPort = 0
    public private(set) var httpPort = 0
    public private(set) var sftpPort = 0
    private var process: ChildProcess?
    public let logURL: URL
    public let platformDomain = "gatehouse.localhost"

    public init(directory: TemporaryDirectory = TemporaryDirectory("gatehouse-gw")) {
        self.directory = directory
        gatehouse = GatehouseBinary(dataDirectory: directory.path("data"))
        logURL = directory.url.appendingPathComponent("serve.log")
    }

    public var dataPath: String { directory.path("data") }
    public var caPath: String { dataPath + "/dev-ca.pem" }
    public var certificatesPath: String { gatehouse.certificatesDirectory }

    /// Runs a CLI command against the same data and certificate store; records failures.
    @discardableResult
    public func cli(_ arguments: String..., stdin: String? = nil) throws -> ProcessResult {
        try gatehouse.run(arguments + ["--certificates", certificatesPath], stdin: stdin)
    }

    /// Starts serving and waits until the listeners are bound.
    public func start(_ extra: [String] = []) throws {
        let environment = gatehouse.environment()
        let process = try ChildProcess(
            gatehouse.path,
            ["serve", "--data", dataPath, "--certificates", certificatesPath, "--https-port", "0", "--http-port", "0", "--sftp-port", "0"]
                + extra,
            environment: environment, stdoutPath: logURL.path + ".out", stderrPath: logURL.path)
        self.process = process
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let lines = log().split(separator: "\n")
            if let line = lines.first(where: { $0.contains("gateway listening") }) {
                httpsPort = Self.value(of: "https_port", in: line) ?? 0
                httpPort = Self.value(of: "http_port", in: line) ?? 0
                if let sftp = lines.first(where: { $0.contains("sftp listening") }) { sftpPort = Self.value(of: "sftp_port", in: sftp) ?? 0 }
                if sftpPort != 0 || extra.contains("--no-sftp") { return }
            }
            guard process.isRunning else { break }
            usleep(50_000)
        }
        process.wait(seconds: 0)
        throw StartFailure(log: log())
    }

    public struct StartFailure: Error, CustomStringConvertible {
        public let log: String
        public var description: String { "gatehouse serve did not start:\n\(log)" }
    }

    public func log() -> String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }

    /// A number field of a log line, text (`key=1`) or JSON (`"key":"1"`).
    static func value(of key: String, in line: Substring) -> Int? {
        guard let range = line.range(of: key + "=") ?? line.range(of: "\"\(key)\":\"") else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    /// SIGTERM, and wait for a clean exit; returns the exit status.
    @discardableResult
    public func stop() -> Int32 {
        guard let process else { return 0 }
        process.signal(SIGTERM)
        return process.wait(seconds: 20)
    }

    deinit {
        stop()
    }

    // MARK: Clients

    public struct HTTPResult: Sendable {
        public let status: Int
        public let headers: [(String, String)]
        public let body: Data
        public let error: String

        public var text: String { String(decoding: body, as: UTF8.self) }
        public func header(_ name: String) -> [String] {
            headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1)
        }
        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    /// curl over HTTPS to `host` (resolved to 127.0.0.1), trusting the dev CA and `extraCA` if given.
    public func curl(
        _ path: String, host: String? = nil, arguments: [String] = [], extraCA: String? = nil, scheme: String = "https"
    ) throws -> HTTPResult {
        let curl = ProcessRunner.which("curl") ?? "/usr/bin/curl"
        let host = host ?? "acme.\(platformDomain)"
        let port = scheme == "https" ? httpsPort : httpPort
        var caFile = caPath
        if let extraCA {
            caFile = directory.path("bundle-\(UUID().uuidString).pem")
            let bundle = ((try? String(contentsOfFile: caPath, encoding: .utf8)) ?? "") + extraCA
            try bundle.write(toFile: caFile, atomically: true, encoding: .utf8)
        }
        let headersFile = directory.path("headers-\(UUID().uuidString)")
        let bodyFile = directory.path("body-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(atPath: headersFile)
            try? FileManager.default.removeItem(atPath: bodyFile)
        }
        let result = try ProcessRunner.run(
            curl,
            ["-sS", "--cacert", caFile, "--resolve", "\(host):\(port):127.0.0.1", "-D", headersFile, "-o", bodyFile, "-w", "%{http_code}",
             "--max-time", "30"] + arguments + ["\(scheme)://\(host):\(port)\(path)"])
        let rawHeaders = (try? String(contentsOfFile: headersFile, encoding: .utf8)) ?? ""
        // Keep the last response's header block (after 100 Continue, say).
        let block = rawHeaders.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }.last ?? ""
        let headers = block.split(separator: "\r\n").dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return HTTPResult(
            status: Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, headers: headers,
            body: (try? Data(contentsOf: URL(fileURLWithPath: bodyFile))) ?? Data(), error: result.stderr)
    }

    /// The subject and SHA-256 fingerprint of the certificate presented for `serverName` (nil: no SNI).
    public func presentedCertificate(serverName: String?) throws -> (subject: String, fingerprint: String) {
        let openssl = ProcessRunner.which("openssl") ?? "/usr/bin/openssl"
        var arguments = ["s_client", "-connect", "127.0.0.1:\(httpsPort)", "-showcerts"]
        if let serverName { arguments += ["-servername", serverName] } else { arguments += ["-noservername"] }
        let session = try ProcessRunner.run(openssl, arguments, stdin: "")
        guard let begin = session.stdout.range(of: "-----BEGIN CERTIFICATE-----"),
              let end = session.stdout.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<session.stdout.endIndex)
        else { return ("none", "none: \(session.stderr)") }
        let pem = String(session.stdout[begin.lowerBound..<end.upperBound]) + "\n"
        let details = try ProcessRunner.run(openssl, ["x509", "-noout", "-subject", "-fingerprint", "-sha256"], stdin: pem).stdout
        let lines = details.split(separator: "\n")
        let subject = lines.first { $0.hasPrefix("subject=") }.map { String($0.dropFirst("subject=".count)).trimmingCharacters(in: .whitespaces) } ?? ""
        let fingerprint = lines.first { $0.contains("Fingerprint=") }.map { String($0.split(separator: "=", maxSplits: 1)[1]) } ?? ""
        return (subject, fingerprint)
    }

    /// Sends raw bytes over TLS (for framing attacks curl will not send) and returns the raw reply.
    public func rawTLS(_ request: String, serverName: String? = nil) throws -> String {
        let openssl = ProcessRunner.which("openssl") ?? "/usr/bin/openssl"
        let name = serverName ?? "acme.\(platformDomain)"
        let result = try ProcessRunner.run(
            openssl, ["s_client", "-quiet", "-connect", "127.0.0.1:\(httpsPort)", "-servername", name, "-verify_quiet"],
            stdin: request, timeout: 15)
        return result.stdout
    }
}

/// Retries `condition` until it holds or `seconds` pass; for changes that reach a running server by reload.
public func eventually(within seconds: Double = 3, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    repeat {
        if try condition() { return true }
        usleep(100_000)
    } while Date() < deadline
    return try condition()
}
