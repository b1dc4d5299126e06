import Foundation

/// The tenant's application server that the gateway proxies to: an absolute http or https URL with a host.
public struct UpstreamURL: Hashable, Sendable, CustomStringConvertible {
    public let url: URL

    public init(_ text: String) throws(GatehouseError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw .invalidInput("upstream '\(text)' is not an absolute URL (for example http://10.0.0.5:8080)")
        }
        guard scheme == "http" || scheme == "https" else {
            throw .invalidInput("upstream '\(text)' uses scheme '\(scheme)'; only http and https are supported")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidInput("upstream '\(text)' has no host name")
        }
        guard components.user == nil, components.password == nil else {
            throw .invalidInput("upstream '\(text)' must not carry credentials in the URL")
        }
        guard components.query == nil, components.fragment == nil else {
            throw .invalidInput("upstream '\(text)' must not have a query or fragment")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw .invalidInput("upstream '\(text)' has port \(port); ports run from 1 to 65535")
        }
        guard let url = components.url else {
            throw .invalidInput("upstream '\(text)' is not a valid URL")
        }
        self.url = url
    }

    public var description: String { url.absoluteString }
}
