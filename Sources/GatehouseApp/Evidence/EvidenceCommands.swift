import Foundation
import GatehouseCore
import GatehouseEvidence
import GatehouseStore
import GatehouseTLS

/// `gatehouse evidence …`: export a signed bundle for an audit period, verify one offline, show the signing key.
public struct EvidenceCommands: Sendable {
    let context: GatehouseContext

    public init(_ context: GatehouseContext) { self.context = context }

    /// The store's populations, with the listener settings compiled into this build.
    static func source(_ store: AppDatabase) -> StoreEvidenceSource {
        StoreEvidenceSource(
            database: store, tlsSettings: ServingTLSPolicy.settings,
            tlsSettingsOrigin: "compiled into gatehouse \(GatehouseVersion.current) (GatehouseTLS.ServingTLSPolicy, applied by CertificateRegistry.serverConfiguration)")
    }

    /// Checks the arguments, then exports; every export is audited with the bundle's SHA-256.
    public func export(
        framework frameworkText: String, from: String, to: String, tenant tenantText: String?, out: String, progress: Bool = true
    ) throws(GatehouseError) -> CommandOutput {
        let framework = try Framework(parsing: frameworkText)
        let period = try EvidencePeriod(from: try CalendarDay(parsing: from), to: try CalendarDay(parsing: to))
        let tenant = try tenantText.map { text throws(GatehouseError) in try TenantPrefix(text) }
        guard out.hasSuffix(".zip") else { throw .invalidInput("--out must name a .zip file (for example soc2-2026.zip)") }
        let summary = try Self.export(
            context: context, framework: framework, period: period, tenant: tenant, output: URL(fileURLWithPath: out),
            actor: context.actor, progress: progress ? Self.stderrProgress() : { _ in })
        var lines = [
            "wrote \(summary.output.path) (\(ByteCountFormatter.string(fromByteCount: summary.size, countStyle: .binary)), \(summary.files) files)",
            "sha256 \(summary.sha256)",
            "signed by \(summary.signingKeyFingerprint)",
            "\(summary.populationRows) population rows, \(summary.auditEvents) audit events",
        ]
        let states = Dictionary(grouping: summary.controls, by: \.state)
        lines.append(
            "controls: \(states[.satisfied]?.count ?? 0) satisfied, \(states[.notSatisfied]?.count ?? 0) not satisfied, \(states[.noEvidence]?.count ?? 0) no evidence")
        for control in summary.controls where control.state == .notSatisfied {
            lines.append("  not satisfied: \(control.id)")
        }
        let notes = period.to == CalendarDay(context.clock.now())
            ? ["note: the period includes today (UTC), which has not ended; its figures are partial"] : []
        return CommandOutput(lines.map { $0 + "\n" }.joined(), notes: notes)
    }

    /// The export shared by the CLI and the admin API.
    static func export(
        context: GatehouseContext, framework: Framework, period: EvidencePeriod, tenant: TenantPrefix?, output: URL, actor: AuditActor,
        progress: @escaping (String) -> Void
    ) throws(GatehouseError) -> EvidenceExportSummary {
        let today = CalendarDay(context.clock.now())
        guard period.to <= today else {
            throw .invalidInput("the period's end, \(period.to), is in the future (today is \(today), UTC); a bundle covers days that have happened")
        }
        let store = try context.store()
        if let tenant { _ = try store.tenants.find(tenant) }
        let request = EvidenceExportRequest(
            framework: framework, period: period, tenant: tenant, policiesDirectory: URL(fileURLWithPath: context.settings.policiesPath),
            output: output, generatorVersion: GatehouseVersion.current)
        let summary = try EvidenceExporter(source: source(store)).export(request, now: context.clock.now(), progress: progress)
        try store.audit.record(
            AuditEvent(
                time: context.clock.now(), actor: actor, tenant: tenant?.value, action: AuditAction.evidenceExport,
                target: output.lastPathComponent,
                details: [
                    "framework": framework.rawValue, "from": period.from.description, "to": period.to.description,
                    "scope": tenant?.value ?? "all tenants", "sha256": summary.sha256, "files": String(summary.files),
                ]))
        return summary
    }

    /// Progress lines on standard error, at most one every 2 seconds.
    static func stderrProgress() -> (String) -> Void {
        var throttle = ProgressThrottle()
        return { message in
            guard throttle.shouldReport() else { return }
            FileHandle.standardError.write(Data("\(message)\n".utf8))
        }
    }

    /// Offline: needs no data directory.
    public static func verify(_ file: String, key keyText: String?) throws(GatehouseError) -> (output: CommandOutput, failed: Bool) {
        var pinned: BundleVerifier.PinnedKey?
        if let keyText {
            if keyText.hasPrefix("SHA256:") {
                pinned = try .init(parsing: keyText)
            } else {
                guard let data = FileManager.default.contents(atPath: keyText) else {
                    throw .notFound("cannot read the key file \(keyText); pass the public-key.pem you received, or SHA256:<fingerprint>")
                }
                pinned = try .init(parsing: String(decoding: data, as: UTF8.self))
            }
        }
        let result = try BundleVerifier.verify(URL(fileURLWithPath: file), pinned: pinned)
        if let problem = result.problem {
            return (CommandOutput(notes: ["FAILED: \(problem)"]), true)
        }
        let fingerprint = result.signingKeyFingerprint ?? "?"
        let pinning = keyText == nil ? "the key inside the bundle, \(fingerprint)" : "the key you gave, \(fingerprint)"
        // Without a pinned key anyone could have re-signed an edited bundle with a key of their own.
        let notes = keyText == nil
            ? ["warning: the signer is not pinned; compare \(fingerprint) with the fingerprint the operator gave you, or pass --key"] : []
        return (
            CommandOutput(
                "OK: \(file) is intact\n"
                    + "\(result.framework ?? "?") evidence for \(result.period ?? "?"); signed by \(pinning)\n"
                    + "\(result.files) files match the manifest; audit segment of \(result.auditEvents) events chains to \(result.checkpoints) signed checkpoint(s)\n",
                notes: notes),
            false
        )
    }

    /// The platform's signing key, for auditors to pin.
    public func publicKey() throws(GatehouseError) -> CommandOutput {
        let key = try context.store().audit.signingPublicKey()
        return CommandOutput(SigningKeyFormat.pem(key), notes: ["fingerprint \(SigningKeyFormat.fingerprint(key))"])
    }
}
