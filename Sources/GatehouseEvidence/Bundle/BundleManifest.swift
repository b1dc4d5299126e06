import Foundation
import GatehouseCore

/// manifest.json: every file of a bundle with its SHA-256, size and media type, and what the bundle
/// is. The signature covers these exact bytes; verify recomputes every hash against them.
public struct BundleManifest: Codable, Sendable {
    public var format = BundleLayout.format
    public var framework: String
    public var frameworkTitle: String
    public var catalogVersion: String
    public var period: Period
    public var tenant: String?
    public var generator: Generator
    public var created: String
    public var signingKeyFingerprint: String
    public var files: [File]

    public struct Period: Codable, Sendable {
        public var from: String
        public var to: String
    }

    public struct Generator: Codable, Sendable {
        public var name: String
        public var version: String
    }

    public struct File: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String
        public var size: Int64
        public var mediaType: String

        enum CodingKeys: String, CodingKey {
            case path, sha256, size
            case mediaType = "media_type"
        }
    }

    enum CodingKeys: String, CodingKey {
        case format, framework, period, tenant, generator, created, files
        case frameworkTitle = "framework_title"
        case catalogVersion = "catalog_version"
        case signingKeyFingerprint = "signing_key_fingerprint"
    }
}

/// signature.json: how manifest.json was signed; manifest.sig holds the raw 64-byte signature.
struct BundleSignature: Codable, Sendable {
    var algorithm = "Ed25519"
    var signedFile = BundleLayout.manifest
    var signatureFile = BundleLayout.signature
    var publicKey: String
    var publicKeyFingerprint: String

    enum CodingKeys: String, CodingKey {
        case algorithm
        case signedFile = "signed_file"
        case signatureFile = "signature_file"
        case publicKey = "public_key"
        case publicKeyFingerprint = "public_key_fingerprint"
    }

    /// signature.json's exact bytes for a key.
    static func bytes(publicKey: [UInt8]) throws(GatehouseError) -> [UInt8] {
        let info = BundleSignature(
            publicKey: Data(publicKey).base64EncodedString(), publicKeyFingerprint: SigningKeyFormat.fingerprint(publicKey))
        do { return [UInt8](try JSONText.encoder.encode(info)) + [0x0A] } catch { throw .environment("cannot encode the signature: \(error)") }
    }
}

/// Fixed names inside a bundle.
public enum BundleLayout {
    public static let format = "gatehouse-evidence-bundle-v1"
    public static let manifest = "manifest.json"
    public static let signature = "manifest.sig"
    public static let signatureInfo = "signature.json"
    public static let publicKey = "public-key.pem"
    /// Files that sign the manifest and so cannot be listed in it.
    public static let unlisted: Set<String> = [manifest, signature, signatureInfo, publicKey]
    public static let auditEvents = "audit/events.jsonl"
    public static let auditCheckpoints = "audit/checkpoints.json"
    public static let auditSegment = "audit/segment.json"

    static func mediaType(_ path: String) -> String {
        if path.hasSuffix(".csv") { return "text/csv" }
        if path.hasSuffix(".jsonl") { return "application/jsonl" }
        if path.hasSuffix(".json") { return path.hasPrefix("oscal/") ? "application/oscal+json" : "application/json" }
        if path.hasSuffix(".md") { return "text/markdown" }
        if path.hasSuffix(".html") { return "text/html" }
        return "application/octet-stream"
    }
}
