/// The visible shape of API tokens: `gh_` followed by 43 base64url characters (32 random bytes).
///
/// The prefix lets secret scanners recognise a leaked token; the store keeps only its SHA-256.
public enum APITokenFormat {
    public static let prefix = "gh_"
    public static let randomByteCount = 32

    /// Cheap shape check before any lookup, so junk never reaches the store.
    public static func looksLikeToken(_ text: String) -> Bool {
        guard text.hasPrefix(prefix), text.utf8.count == prefix.utf8.count + 43 else { return false }
        return text.utf8.dropFirst(prefix.utf8.count).allSatisfy {
            ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D
                || $0 == 0x5F
        }
    }
}
