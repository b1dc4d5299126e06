import Foundation
import GatehouseCore
import NIOSSL

/// A certificate ready for handshakes: parsed once into BoringSSL objects, never per connection.
public struct ServingCertificate: Sendable {
    public let hostname: String
    public let fingerprint: String
    public let notAfter: Date
    public let chain: [NIOSSLCertificate]
    public let key: NIOSSLPrivateKey

    public init(hostname: String, fingerprint: String, notAfter: Date, chainPEM: String, keyPEM: String) throws(GatehouseError) {
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8))
            key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
        } catch {
            throw .environment("the stored certificate for \(hostname) does not load into TLS: \(error)")
        }
        guard !chain.isEmpty else { throw .environment("the stored certificate for \(hostname) has an empty chain") }
        self.hostname = hostname
        self.fingerprint = fingerprint
        self.notAfter = notAfter
    }

    public init(_ validated: ValidatedCertificate) throws(GatehouseError) {
        let chainPEM: String, keyPEM: String
        do {
            chainPEM = try validated.chainPEM()
            keyPEM = try validated.privateKeyPEM()
        } catch {
            throw .environment("cannot serialise the certificate for \(validated.hostname): \(error)")
        }
        try self.init(
            hostname: validated.hostname.value, fingerprint: validated.fingerprint, notAfter: validated.notAfter,
            chainPEM: chainPEM, keyPEM: keyPEM)
    }

    var override: NIOSSLContextConfigurationOverride {
        var override = NIOSSLContextConfigurationOverride()
        override.certificateChain = chain.map { .certificate($0) }
        override.privateKey = .privateKey(key)
        return override
    }
}
