import Crypto

/// Incremental SHA-256 with a hex result, for checking bodies that crossed the gateway.
struct SHA256Hasher {
    private var hasher = SHA256()

    mutating func update(_ bytes: some Sequence<UInt8>) {
        hasher.update(data: Array(bytes))
    }

    func hexDigest() -> String {
        hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
