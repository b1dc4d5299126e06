import Foundation
import GatehouseCore
import SwiftASN1
import X509

/// An uploaded certificate chain and private key, parsed, before any trust decision.
public struct CertificateMaterial: Sendable {
    /// In upload order.
    public let certificates: [Certificate]
    public let privateKey: Certificate.PrivateKey

    /// Parses `fullchain.pem` and `key.pem` text; every failure says which file and what to do.
    public init(chainPEM: String, keyPEM: String) throws(GatehouseError) {
        certificates = try Self.parseChain(chainPEM)
        privateKey = try Self.parseKey(keyPEM)
    }

    static func parseChain(_ text: String) throws(GatehouseError) -> [Certificate] {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: text)
        } catch {
            throw .invalidInput("the certificate file is not PEM: expected one or more '-----BEGIN CERTIFICATE-----' blocks")
        }
        guard !documents.isEmpty else {
            throw .invalidInput("the certificate file holds no certificate")
        }
        var certificates: [Certificate] = []
        for (index, document) in documents.enumerated() {
            if document.discriminator.contains("PRIVATE KEY") {
                throw .invalidInput("the certificate file holds a private key (block \(index + 1)); give the key as its own file")
            }
            guard document.discriminator == "CERTIFICATE" else {
                throw .invalidInput("block \(index + 1) of the certificate file is '\(document.discriminator)', not a CERTIFICATE")
            }
            do {
                certificates.append(try Certificate(pemDocument: document))
            } catch {
                // swift-crypto refuses RSA keys under 2048 bits while parsing.
                if "\(error)".contains("incorrectParameterSize") {
                    throw .invalidInput(
                        "certificate \(index + 1) of the chain has a key that is too small (RSA under 2048 bits?); use RSA 2048 or more, or ECDSA P-256/P-384")
                }
                throw .invalidInput("certificate \(index + 1) of the chain does not parse as X.509: \(error)")
            }
        }
        return certificates
    }

    static func parseKey(_ text: String) throws(GatehouseError) -> Certificate.PrivateKey {
        if text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
            throw .invalidInput(
                "the private key is encrypted; decrypt it first (openssl pkey -in key.pem -out key-plain.pem) and upload that")
        }
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: text)
        } catch {
            throw .invalidInput("the key file is not PEM: expected a '-----BEGIN PRIVATE KEY-----' block")
        }
        let keys = documents.filter { $0.discriminator.hasSuffix("PRIVATE KEY") }
        guard keys.count == 1 else {
            throw .invalidInput(
                keys.isEmpty ? "the key file holds no private key" : "the key file holds \(keys.count) private keys; give exactly one")
        }
        do {
            return try Certificate.PrivateKey(pemDocument: keys[0])
        } catch {
            throw .invalidInput(
                "the private key does not parse (\(keys[0].discriminator)); supported: RSA and ECDSA P-256/P-384 in PKCS#8, PKCS#1 or SEC1 PEM")
        }
    }
}
