import Crypto
import Foundation
import GatehouseCore

/// Seals secrets at rest with AES-256-GCM under the master key.
///
/// Each sealed value is bound to its purpose (the associated data), so a sealed SSH host key
/// cannot be passed off as a sealed certificate key.
public struct SecretSealer: Sendable {
    private let masterKey: MasterKey

    public init(masterKey: MasterKey) {
        self.masterKey = masterKey
    }

    public func seal(_ plaintext: Data, purpose: String) throws -> Data {
        let box = try AES.GCM.seal(plaintext, using: masterKey.key, authenticating: Data(purpose.utf8))
        guard let combined = box.combined else { throw GatehouseError.environment("AES-GCM produced no output") }
        return combined
    }

    public func open(_ sealed: Data, purpose: String) throws(GatehouseError) -> Data {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return try AES.GCM.open(box, using: masterKey.key, authenticating: Data(purpose.utf8))
        } catch {
            throw .environment(
                "a sealed secret (\(purpose)) does not open with this master key; is master.key the one this data directory was created with?"
            )
        }
    }
}
