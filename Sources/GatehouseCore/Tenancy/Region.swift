/// Where a tenant's data resides; PIPEDA evidence reports it per tenant.
public enum Region: String, CaseIterable, Sendable, Codable {
    case caCentral = "ca-central"
    case caEast = "ca-east"
    case usEast = "us-east"
    case usWest = "us-west"
    case euWest = "eu-west"
    case euCentral = "eu-central"
    case apSoutheast = "ap-southeast"

    public init(parsing text: String) throws(GatehouseError) {
        guard let region = Region(rawValue: text) else {
            let known = Region.allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalidInput("unknown region '\(text)'; choose one of: \(known)")
        }
        self = region
    }
}
