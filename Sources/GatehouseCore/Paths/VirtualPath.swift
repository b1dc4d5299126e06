/// A path inside a session's virtual root, normalised once at the edge: every protocol that maps a
/// client path to a file goes through this, so '..', '//', '.', and absolute or relative forms can
/// never name anything outside the root ('..' at the root stays at the root, as SFTPGo and chroot
/// do). A backslash is an ordinary character, never a separator; NUL is refused.
public struct VirtualPath: Hashable, Sendable, CustomStringConvertible {
    public let components: [String]

    public static let root = VirtualPath(components: [])

    private init(components: [String]) {
        self.components = components
    }

    /// `raw` resolved against `base` (the session's working directory) when it is relative.
    public init(_ raw: String, relativeTo base: VirtualPath = .root) throws(GatehouseError) {
        guard !raw.utf8.contains(0) else { throw .invalidInput("path contains a NUL byte") }
        guard raw.utf8.count <= 4_096 else { throw .invalidInput("path is longer than 4096 bytes") }
        var components = raw.hasPrefix("/") ? [] : base.components
        for part in raw.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !components.isEmpty { components.removeLast() }
            default: components.append(String(part))
            }
        }
        self.components = components
    }

    public var isRoot: Bool { components.isEmpty }

    /// The one name of a path directly under the root (the backup root is flat), else nil.
    public var topLevelName: String? { components.count == 1 ? components[0] : nil }

    public var description: String { "/" + components.joined(separator: "/") }
}
