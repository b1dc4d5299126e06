import Foundation

/// How the gateway treats payment card numbers for one tenant. Tokenization is on unless an
/// operator turns it off; the token keeps only the last four digits unless the tenant needs the BIN.
public struct CardPolicy: Hashable, Sendable {
    public var tokenize: Bool
    /// Whether tokens also keep the first six digits (PCI DSS 3.4.1 allows BIN + last four at most).
    public var keepsBIN: Bool
    /// Where card numbers go to be exchanged for the processor's own token; nil keeps the gateway's token.
    public var processor: CardProcessorURL?

    public init(tokenize: Bool = true, keepsBIN: Bool = false, processor: CardProcessorURL? = nil) {
        self.tokenize = tokenize
        self.keepsBIN = keepsBIN
        self.processor = processor
    }

    public static let standard = CardPolicy()
}

/// The tenant's card processor: HTTPS, or plain HTTP only to this machine's loopback (a test double).
public struct CardProcessorURL: Hashable, Sendable, CustomStringConvertible {
    public let url: URL

    public init(_ text: String) throws(GatehouseError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty
        else {
            throw .invalidInput("card processor '\(text)' is not an absolute URL (for example https://pay.example.com/tokenize)")
        }
        guard components.user == nil, components.password == nil, components.fragment == nil else {
            throw .invalidInput("card processor '\(text)' must not carry credentials or a fragment")
        }
        let loopback = host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
        switch scheme {
        case "https":
            break
        case "http" where loopback:
            break
        case "http":
            throw .invalidInput("card processor '\(text)' must use https (plain http is allowed only on loopback, for testing)")
        default:
            throw .invalidInput("card processor '\(text)' uses scheme '\(scheme)'; use https")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw .invalidInput("card processor '\(text)' has port \(port); ports run from 1 to 65535")
        }
        guard let url = components.url else { throw .invalidInput("card processor '\(text)' is not a valid URL") }
        self.url = url
    }

    public var description: String { url.absoluteString }

    /// Scheme, host and port only: what audit events and evidence show (a path or query could carry a credential).
    public var origin: String {
        guard let scheme = url.scheme, let host = url.host else { return "configured" }
        return "\(scheme)://\(host)\(url.port.map { ":\($0)" } ?? "")"
    }
}
