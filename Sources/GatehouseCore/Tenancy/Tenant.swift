import Foundation

/// A customer organisation: one ERP instance behind the gateway.
public struct Tenant: Hashable, Sendable {
    public var id: Int64
    public var prefix: TenantPrefix
    public var displayName: String
    public var upstream: UpstreamURL
    public var region: Region
    /// The tenant's SQLite file that backups copy; nil when the tenant has none to back up.
    public var databasePath: String?
    public var subscription: Subscription
    public var createdAt: Date

    public init(
        id: Int64, prefix: TenantPrefix, displayName: String, upstream: UpstreamURL, region: Region,
        databasePath: String?, subscription: Subscription, createdAt: Date
    ) {
        self.id = id
        self.prefix = prefix
        self.displayName = displayName
        self.upstream = upstream
        self.region = region
        self.databasePath = databasePath
        self.subscription = subscription
        self.createdAt = createdAt
    }

    /// Rules for display names: printable, 1–200 characters.
    public static func validateDisplayName(_ name: String) throws(GatehouseError) {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 200 else {
            throw .invalidInput("tenant name must be 1 to 200 characters")
        }
        guard !name.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw .invalidInput("tenant name must not contain control characters")
        }
    }
}
