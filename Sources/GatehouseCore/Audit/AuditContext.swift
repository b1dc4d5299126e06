/// Facts about the request being served that every audit event it causes should carry, without
/// threading them through every repository call: the admin API binds the caller's address here.
public enum AuditContext {
    @TaskLocal public static var sourceIP: String?
}
