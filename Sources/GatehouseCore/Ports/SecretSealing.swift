import Foundation

/// Seals secrets at rest (certificate keys, host keys) under the master key, bound to a purpose.
/// The store implements it; adapters that keep secrets in files use it without knowing how.
public protocol SecretSealing: Sendable {
    func seal(_ plaintext: Data, purpose: String) throws -> Data
    func open(_ sealed: Data, purpose: String) throws -> Data
}
