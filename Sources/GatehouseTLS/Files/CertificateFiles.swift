import Foundation
import GatehouseCore

/// The certificate store on disk, laid out like certbot's `live/`: one folder per hostname with
/// `fullchain.pem`, the key sealed with the master key (`privkey.sealed`) and `metadata.json`.
/// A wildcard's folder replaces `*` with `_` (`_.gatehouse.localhost`), which no real host can use.
public struct CertificateFiles: Sendable {
    public let root: URL
    let sealer: any SecretSealing

    public init(root: String, sealer: any SecretSealing) {
        self.root = URL(fileURLWithPath: root, isDirectory: true).standardizedFileURL
        self.sealer = sealer
    }

    public struct Metadata: Codable, Sendable, Equatable {
        public var hostname: String
        public var fingerprint: String
        public var subject: String
        public var issuer: String
        public var subjectAlternativeNames: [String]
        public var notBefore: Date
        public var notAfter: Date
        public var importedAt: Date
    }

    public func directory(for hostname: String) -> URL {
        root.appendingPathComponent(hostname.replacingOccurrences(of: "*", with: "_"), isDirectory: true)
    }

    /// Writes the three files into a staging folder, then swaps it in with renames, so a reader sees
    /// the old set or the new one.
    public func write(_ certificate: ValidatedCertificate, importedAt: Date) throws(GatehouseError) {
        let hostname = certificate.hostname.value
        let fileManager = FileManager.default
        let staging = root.appendingPathComponent(".staging-\(UUID().uuidString)", isDirectory: true)
        let final = directory(for: hostname)
        let retired = root.appendingPathComponent(".retired-\(UUID().uuidString)", isDirectory: true)
        do {
            try fileManager.createDirectory(at: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            defer { try? fileManager.removeItem(at: staging) }
            let sealedKey = try sealer.seal(Data(try certificate.privateKeyPEM().utf8), purpose: Self.keyPurpose(hostname))
            let metadata = Metadata(
                hostname: hostname, fingerprint: certificate.fingerprint, subject: certificate.subject, issuer: certificate.issuer,
                subjectAlternativeNames: certificate.subjectAlternativeNames, notBefore: certificate.notBefore,
                notAfter: certificate.notAfter, importedAt: importedAt)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            try Data(try certificate.chainPEM().utf8).write(to: staging.appendingPathComponent("fullchain.pem"))
            try sealedKey.write(to: staging.appendingPathComponent("privkey.sealed"))
            try encoder.encode(metadata).write(to: staging.appendingPathComponent("metadata.json"))
            for file in ["fullchain.pem", "privkey.sealed", "metadata.json"] {
                chmod(staging.appendingPathComponent(file).path, 0o600)
            }
            let hadPrevious = fileManager.fileExists(atPath: final.path)
            if hadPrevious { try fileManager.moveItem(at: final, to: retired) }
            try fileManager.moveItem(at: staging, to: final)
            if hadPrevious { try? fileManager.removeItem(at: retired) }
        } catch let error as GatehouseError {
            throw error
        } catch {
            throw .environment("cannot write the certificate store at \(final.path): \(error.localizedDescription)")
        }
    }

    /// Reads a stored certificate back: chain PEM, unsealed key PEM and metadata.
    public func read(_ hostname: String) throws(GatehouseError) -> (chainPEM: String, keyPEM: String, metadata: Metadata) {
        let folder = directory(for: hostname)
        do {
            let chain = try String(contentsOf: folder.appendingPathComponent("fullchain.pem"), encoding: .utf8)
            let sealed = try Data(contentsOf: folder.appendingPathComponent("privkey.sealed"))
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let metadata = try decoder.decode(Metadata.self, from: Data(contentsOf: folder.appendingPathComponent("metadata.json")))
            let key = try sealer.open(sealed, purpose: Self.keyPurpose(hostname))
            return (chain, String(decoding: key, as: UTF8.self), metadata)
        } catch let error as GatehouseError {
            throw error
        } catch {
            throw .environment("cannot read the stored certificate for \(hostname) in \(folder.path): \(error.localizedDescription)")
        }
    }

    public func remove(_ hostname: String) {
        try? FileManager.default.removeItem(at: directory(for: hostname))
    }

    static func keyPurpose(_ hostname: String) -> String { "certificate-key:\(hostname)" }
}
