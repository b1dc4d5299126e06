import GatehouseCore
import GatehouseHTTP
import GatehouseStore
import GatehouseTokenization

extension GatewayConfiguration {
    /// The gateway's picture of the store: the access snapshot and each tenant's card token source
    /// (its key, made now for new tenants, and the token format its policy asks for).
    static func load(from store: AppDatabase, platformDomain: HostName) throws -> GatewayConfiguration {
        let keys = try store.cards.tokenKeys()  // first: it makes keys for new tenants
        let access = try store.accessSnapshot()
        var tokens: [TenantPrefix: any CardTokenSource] = [:]
        for (prefix, key) in keys {
            tokens[prefix] = CardTokenizer(key: key, keepsBIN: access.tenants[prefix]?.card.keepsBIN ?? false)
        }
        return GatewayConfiguration(access: access, platformDomain: platformDomain, cardTokens: tokens)
    }
}
