import Crypto
import Foundation
import GatehouseCore
import ZIPFoundation

/// What `evidence verify` found: nil problem means every check passed.
public struct BundleVerification: Sendable {
    public let problem: String?
    public let files: Int
    public let auditEvents: Int
    public let checkpoints: Int
    public let signingKeyFingerprint: String?
    public let framework: String?
    public let period: String?

    public var isValid: Bool { problem == nil }
}

/// Checks a bundle offline: the manifest's signature (against a pinned key when given), that every
/// listed file is present with its hash and size and nothing else is, and the audit segment's chain
/// and checkpoints. Stops at the first problem and names it.
public enum BundleVerifier {
    /// A key the auditor pins: the raw 32-byte key, or only its fingerprint.
    public enum PinnedKey: Sendable {
        case key([UInt8])
        case fingerprint(String)

        public init(parsing text: String) throws(GatehouseError) {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.hasPrefix("SHA256:") {
                guard trimmed.count == 71, trimmed.dropFirst(7).allSatisfy(\.isHexDigit) else {
                    throw .invalidInput("fingerprint '\(trimmed)' is not SHA256: followed by 64 hex digits")
                }
                self = .fingerprint(trimmed.lowercased().replacingOccurrences(of: "sha256:", with: "SHA256:"))
            } else {
                self = .key(try SigningKeyFormat.parse(trimmed))
            }
        }
    }

    public static func verify(_ url: URL, pinned: PinnedKey? = nil) throws(GatehouseError) -> BundleVerification {
        var checked = Checked()
        do {
            try run(url, pinned: pinned, into: &checked)
            return checked.result(problem: nil)
        } catch let problem as BundleProblem {
            return checked.result(problem: problem.message)
        } catch let error as GatehouseError {
            throw error
        } catch {
            return checked.result(problem: "the bundle cannot be read: \(error)")
        }
    }

    struct BundleProblem: Error { let message: String }

    struct Checked {
        var files = 0
        var auditEvents = 0
        var checkpoints = 0
        var fingerprint: String?
        var framework: String?
        var period: String?

        func result(problem: String?) -> BundleVerification {
            BundleVerification(
                problem: problem, files: files, auditEvents: auditEvents, checkpoints: checkpoints, signingKeyFingerprint: fingerprint,
                framework: framework, period: period)
        }
    }

    private static func run(_ url: URL, pinned: PinnedKey?, into checked: inout Checked) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw GatehouseError.notFound("no file \(url.path)")
        }
        let names: [String]
        do { names = try ZIPStructure.names(of: url) } catch let problem as ZIPStructure.Problem {
            throw BundleProblem(message: problem.message)
        }
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .read) } catch {
            throw BundleProblem(message: "\(url.lastPathComponent) is not a ZIP archive")
        }
        var entries: [String: Entry] = [:]
        for entry in archive {
            guard entries[entry.path] == nil else { throw BundleProblem(message: "\(entry.path) appears twice in the archive") }
            guard entry.type == .file else { throw BundleProblem(message: "\(entry.path) is not a plain file") }
            entries[entry.path] = entry
        }
        guard entries.count == names.count, Set(names) == Set(entries.keys) else {
            throw BundleProblem(message: "the archive's entries differ between its central directory and its reader: it was crafted")
        }
        func small(_ path: String) throws -> [UInt8] {
            guard let entry = entries[path] else {
                throw BundleProblem(message: "\(path) is missing: this is not a complete Gatehouse evidence bundle")
            }
            guard entry.uncompressedSize <= 64 << 20 else { throw BundleProblem(message: "\(path) is implausibly large") }
            var data = [UInt8]()
            _ = try archive.extract(entry, skipCRC32: false) { data += $0 }
            return data
        }

        // 1. The signature over manifest.json.
        let manifestBytes = try small(BundleLayout.manifest)
        let signature = try small(BundleLayout.signature)
        let info: BundleSignature
        do { info = try JSONDecoder().decode(BundleSignature.self, from: Data(try small(BundleLayout.signatureInfo))) } catch let problem as BundleProblem {
            throw problem
        } catch {
            throw BundleProblem(message: "signature.json is not valid: \(error.localizedDescription)")
        }
        guard info.algorithm == "Ed25519", let embedded = Data(base64Encoded: info.publicKey), embedded.count == 32 else {
            throw BundleProblem(message: "signature.json does not hold an Ed25519 public key")
        }
        let pem = String(decoding: try small(BundleLayout.publicKey), as: UTF8.self)
        guard (try? SigningKeyFormat.parse(pem)) == [UInt8](embedded) else {
            throw BundleProblem(message: "public-key.pem and signature.json name different keys")
        }
        let key: [UInt8]
        switch pinned {
        case .key(let pinnedKey):
            guard pinnedKey == [UInt8](embedded) else {
                throw BundleProblem(
                    message: "the bundle is signed by key \(SigningKeyFormat.fingerprint([UInt8](embedded))), not by the key you gave (\(SigningKeyFormat.fingerprint(pinnedKey)))")
            }
            key = pinnedKey
        case .fingerprint(let fingerprint):
            guard SigningKeyFormat.fingerprint([UInt8](embedded)) == fingerprint else {
                throw BundleProblem(
                    message: "the bundle is signed by key \(SigningKeyFormat.fingerprint([UInt8](embedded))), not by the key you gave (\(fingerprint))")
            }
            key = [UInt8](embedded)
        case nil:
            key = [UInt8](embedded)
        }
        checked.fingerprint = SigningKeyFormat.fingerprint(key)
        guard let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: key) else {
            throw BundleProblem(message: "the signing key is not a valid Ed25519 key")
        }
        guard signature.count == 64 else { throw BundleProblem(message: "manifest.sig is not a 64-byte Ed25519 signature") }
        guard publicKey.isValidSignature(signature, for: manifestBytes) else {
            throw BundleProblem(message: "the signature in manifest.sig does not match manifest.json: the manifest was changed after signing, or the signature belongs to another bundle")
        }
        // The files beside the signature hold nothing but the key: byte for byte what export writes.
        guard pem == SigningKeyFormat.pem(key) else { throw BundleProblem(message: "public-key.pem was changed") }
        guard try small(BundleLayout.signatureInfo) == BundleSignature.bytes(publicKey: key) else {
            throw BundleProblem(message: "signature.json was changed")
        }

        // 2. The manifest against the archive.
        let manifest: BundleManifest
        do { manifest = try JSONDecoder().decode(BundleManifest.self, from: Data(manifestBytes)) } catch {
            throw BundleProblem(message: "manifest.json is signed but not a valid manifest: \(error.localizedDescription)")
        }
        guard manifest.format == BundleLayout.format else {
            throw BundleProblem(message: "manifest.json is format '\(manifest.format)'; this gatehouse reads \(BundleLayout.format)")
        }
        guard manifest.signingKeyFingerprint == SigningKeyFormat.fingerprint(key) else {
            throw BundleProblem(message: "manifest.json names signing key \(manifest.signingKeyFingerprint), not the key that signed it")
        }
        checked.framework = manifest.framework
        checked.period = "\(manifest.period.from) to \(manifest.period.to)"
        var listed = Set<String>()
        for file in manifest.files {
            guard listed.insert(file.path).inserted else { throw BundleProblem(message: "manifest.json lists \(file.path) twice") }
            guard !BundleLayout.unlisted.contains(file.path) else {
                throw BundleProblem(message: "manifest.json lists \(file.path), which must not be listed")
            }
        }
        for path in entries.keys.sorted() where !listed.contains(path) && !BundleLayout.unlisted.contains(path) {
            throw BundleProblem(message: "\(path) is in the archive but not in the manifest: a file was added")
        }
        for file in manifest.files {
            guard let entry = entries[file.path] else {
                throw BundleProblem(message: "\(file.path) is listed in the manifest but missing from the archive: a file was removed")
            }
            var hasher = SHA256()
            var size: Int64 = 0
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    hasher.update(data: chunk)
                    size += Int64(chunk.count)
                }
            } catch {
                throw BundleProblem(message: "\(file.path) cannot be read from the archive (\(error.localizedDescription))")
            }
            guard size == file.size, hasher.finalize().hexString == file.sha256 else {
                throw BundleProblem(message: "\(file.path) does not match its SHA-256 in the manifest: the file was changed")
            }
            checked.files += 1
        }

        // 3. The audit segment.
        if listed.contains(BundleLayout.auditEvents) {
            let result = try AuditSegmentVerifier.verify(
                events: { consume in _ = try archive.extract(entries[BundleLayout.auditEvents]!, consumer: consume) },
                checkpoints: try small(BundleLayout.auditCheckpoints), key: publicKey)
            checked.auditEvents = result.events
            checked.checkpoints = result.checkpoints
        } else {
            throw BundleProblem(message: "\(BundleLayout.auditEvents) is not in the manifest: the audit segment is missing")
        }
    }
}
