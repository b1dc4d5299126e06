import Foundation

// The ports through which protocol adapters (HTTPS, SFTP, backup, evidence) reach the store.
// Adapters depend on these protocols only; GatehouseApp hands them the store's implementations.

/// Looks tenants up for routing and lifecycle decisions.
public protocol TenantDirectory: Sendable {
    func tenant(prefix: TenantPrefix) async throws -> Tenant?
    func allowlist(for prefix: TenantPrefix) async throws -> Allowlist
}

/// Checks presented credentials. Implementations compare secrets in constant time and never log them.
public protocol CredentialVerifier: Sendable {
    func verifyPassword(_ password: String, user: UserName, scope: UserScope) async throws -> CredentialOutcome
    func verifyAPIToken(_ token: String, scope: UserScope) async throws -> CredentialOutcome
    func authorizedKeys(user: UserName, scope: UserScope) async throws -> [SSHPublicKey]
}

/// Appends to the tamper-evident audit log.
public protocol AuditSink: Sendable {
    func record(_ event: AuditEvent) async throws
    /// Several events in one write, for per-request events a busy server collects.
    func record(_ events: [AuditEvent]) async throws
}

extension AuditSink {
    public func record(_ events: [AuditEvent]) async throws {
        for event in events { try await record(event) }
    }

    /// Records without holding up the caller (a request, a sign-in); `failed` hears of errors.
    public func recordInBackground(_ event: AuditEvent, failed: @escaping @Sendable (any Error) -> Void) {
        Task {
            do { try await record(event) } catch { failed(error) }
        }
    }
}
