/// What a new password must satisfy before it is hashed. The password itself never appears in a message.
public enum PasswordPolicy {
    public static let minimumLength = 12
    public static let maximumLength = 1024

    public static func validate(_ password: String) throws(GatehouseError) {
        if password.count < minimumLength {
            throw .invalidInput(
                "password is too short (\(password.count) characters); use at least \(minimumLength)")
        }
        if password.utf8.count > maximumLength {
            throw .invalidInput("password is longer than \(maximumLength) bytes")
        }
        if password.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw .invalidInput("password must not contain control characters such as newlines")
        }
        if Set(password).count == 1 {
            throw .invalidInput("password repeats a single character; choose a real passphrase")
        }
    }
}
