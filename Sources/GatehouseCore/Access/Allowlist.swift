/// A tenant's IP allowlist, with optional per-user rules that narrow it.
///
/// With no tenant rules every address is admitted (a new tenant's default, which `tenant create`
/// announces). User rules only ever narrow: a connection must first pass the tenant's rules, checked
/// before any credential is read, and then, once the user is known, one of that user's rules if any.
public struct Allowlist: Hashable, Sendable {
    public var tenantRules: [IPNetwork]
    public var userRules: [UserName: [IPNetwork]]

    public init(tenantRules: [IPNetwork] = [], userRules: [UserName: [IPNetwork]] = [:]) {
        self.tenantRules = tenantRules
        self.userRules = userRules
    }

    public var allowsAllAddresses: Bool { tenantRules.isEmpty }

    /// The check made on connection, before any credential is looked at.
    public func admitsConnection(from address: IPAddress) -> Bool {
        tenantRules.isEmpty || tenantRules.contains { $0.contains(address) }
    }

    /// The full check once the user is identified.
    public func admits(_ user: UserName, from address: IPAddress) -> Bool {
        guard admitsConnection(from: address) else { return false }
        guard let rules = userRules[user], !rules.isEmpty else { return true }
        return rules.contains { $0.contains(address) }
    }
}
