/// Every failure a user can cause, with one clear line saying what was wrong and what to do.
///
/// The kind lets an edge (CLI exit code, HTTP status, SFTP status) choose its own mapping;
/// the message is already fit to show, and never carries a secret.
public struct GatehouseError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The input itself is malformed or breaks a rule.
        case invalidInput
        /// A named tenant, user, rule or credential does not exist.
        case notFound
        /// The thing already exists, or conflicts with something that does.
        case conflict
        /// The request is well formed but not allowed now (lifecycle, policy).
        case refused
        /// The environment is unsafe or broken (file permissions, corrupt store).
        case environment
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public static func invalidInput(_ message: String) -> GatehouseError { .init(.invalidInput, message) }
    public static func notFound(_ message: String) -> GatehouseError { .init(.notFound, message) }
    public static func conflict(_ message: String) -> GatehouseError { .init(.conflict, message) }
    public static func refused(_ message: String) -> GatehouseError { .init(.refused, message) }
    public static func environment(_ message: String) -> GatehouseError { .init(.environment, message) }
}
