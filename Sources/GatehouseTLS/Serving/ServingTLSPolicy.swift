/// The listener's TLS policy in one place: the server configuration applies it and evidence bundles
/// report it, so what auditors read is what the code serves.
public enum ServingTLSPolicy {
    public static let protocols = ["TLSv1.2", "TLSv1.3"]
    /// OpenSSL cipher string for TLS 1.2 (TLS 1.3 suites are BoringSSL's fixed AEAD set).
    public static let tls12CipherSuites = "ECDHE+AESGCM:ECDHE+CHACHA20"
    public static let tls13CipherSuites = "TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256"
    public static let applicationProtocols = ["http/1.1"]

    /// (setting, value) rows for the evidence population tls-configuration.
    public static var settings: [(String, String)] {
        [
            ("protocols", protocols.joined(separator: " ")),
            ("tls12_cipher_suites", tls12CipherSuites),
            ("tls13_cipher_suites", tls13CipherSuites),
            ("application_protocols", applicationProtocols.joined(separator: " ")),
            ("certificate_selection", "by SNI: exact hostname, then wildcard, then the platform certificate; never another tenant's"),
            ("http_port", "redirects to HTTPS only"),
            ("hsts", "Strict-Transport-Security on every response"),
        ]
    }
}
