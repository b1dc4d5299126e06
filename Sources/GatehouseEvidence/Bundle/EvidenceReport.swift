import GatehouseCore

/// report.html: what an auditor opens first. Self-contained (no scripts, no external assets), with
/// links into the bundle's own files.
struct EvidenceReport {
    let catalog: ControlCatalog
    let period: EvidencePeriod
    let tenant: TenantPrefix?
    let verdicts: [(control: ControlCatalog.Control, verdict: ControlVerdict)]
    let populations: [EvidenceCollector: (query: PopulationQuery, rows: Int, sha256: String)]
    let policies: [PolicyDocument]
    let audit: AuditSegmentSummary?

    func html() -> String {
        let e = HTML.escape
        let counts = Dictionary(grouping: verdicts, by: { $0.verdict.state }).mapValues(\.count)
        var out = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <title>\(e(catalog.title)) - evidence \(e(period.description))</title>
            <style>
            body{font:15px/1.5 system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#1d1d1f}
            table{border-collapse:collapse;width:100%;margin:1em 0}th,td{border:1px solid #d0d0d7;padding:.4em .6em;text-align:left;vertical-align:top}
            th{background:#f3f3f6}.satisfied{color:#0a6b2d;font-weight:600}.not-satisfied{color:#b3261e;font-weight:600}
            .no-evidence{color:#8a5a00;font-weight:600}code{font-size:90%}ul{margin:.2em 0;padding-left:1.2em}
            </style></head><body>
            <h1>\(e(catalog.title))</h1>
            <p>Evidence for <strong>\(e(period.from.description))</strong> to <strong>\(e(period.to.description))</strong>,
            \(tenant.map { "tenant <strong>\(e($0.value))</strong>" } ?? "all tenants"); catalog version \(e(catalog.version)).
            Every file of this bundle is listed with its SHA-256 in <code>manifest.json</code>, which is signed
            (<code>manifest.sig</code>, Ed25519); see <a href="VERIFY.md">VERIFY.md</a>.</p>
            <p><span class="satisfied">\(counts[.satisfied] ?? 0) satisfied</span> ·
            <span class="not-satisfied">\(counts[.notSatisfied] ?? 0) not satisfied</span> ·
            <span class="no-evidence">\(counts[.noEvidence] ?? 0) no evidence</span></p>
            <h2>Controls</h2>
            <table><tr><th>Control</th><th>Status</th><th>Why</th><th>Evidence</th></tr>

            """
        for (control, verdict) in verdicts {
            let css = verdict.state.rawValue.replacingOccurrences(of: " ", with: "-")
            var why = e(verdict.reason)
            if !verdict.failingRows.isEmpty {
                why += "<ul>" + verdict.failingRows.prefix(50).map { "<li>\(e($0))</li>" }.joined()
                if verdict.failingRows.count > 50 { why += "<li>and \(verdict.failingRows.count - 50) more (controls.json)</li>" }
                why += "</ul>"
            }
            let links = control.collectors.map { "<a href=\"evidence/\($0.rawValue).csv\">\(e($0.rawValue))</a>" }
                + (control.policies ?? []).map { "<a href=\"policies/\(e($0)).md\">\(e($0)) policy</a>" }
            out += "<tr><td><strong>\(e(control.id))</strong> \(e(control.title))<br><small>\(e(control.statement))</small></td>"
            out += "<td class=\"\(css)\">\(e(verdict.state.rawValue))</td><td>\(why)</td><td>\(links.joined(separator: "<br>"))</td></tr>\n"
        }
        out += "</table>\n<h2>Populations</h2>\n<table><tr><th>Population</th><th>Rows</th><th>SHA-256</th><th>Query</th></tr>\n"
        for collector in EvidenceCollector.allCases {
            guard let population = populations[collector] else { continue }
            out += "<tr><td><a href=\"evidence/\(collector.rawValue).csv\">\(e(collector.rawValue))</a><br><small>\(e(collector.title))</small></td>"
            out += "<td>\(population.rows)</td><td><code>\(population.sha256)</code></td>"
            out += "<td><a href=\"evidence/\(collector.rawValue).json\">query and parameters</a></td></tr>\n"
        }
        out += "</table>\n<h2>Policies</h2>\n<table><tr><th>Policy</th><th>Version</th><th>Effective</th><th>Owner</th></tr>\n"
        for policy in policies {
            out += "<tr><td><a href=\"policies/\(e(policy.id)).md\">\(e(policy.title))</a></td><td>\(e(policy.version))</td>"
            out += "<td>\(e(policy.effective.description))</td><td>\(e(policy.owner))</td></tr>\n"
        }
        out += "</table>\n<h2>Audit log</h2>\n"
        if let audit {
            out += "<p>\(audit.eventsIncluded) events in full and \(audit.eventsWithheld) as hashes only, sequence "
            out += "\(audit.firstSequence.map(String.init) ?? "-") to \(audit.lastSequence.map(String.init) ?? "-"), "
            out += "with \(audit.checkpoints) signed checkpoints: <a href=\"audit/events.jsonl\">events</a>, "
            out += "<a href=\"audit/checkpoints.json\">checkpoints</a>.</p>\n"
        }
        return out + "</body></html>\n"
    }
}

/// VERIFY.md: how to check a bundle without Gatehouse.
enum VerifyGuide {
    static let text = """
        # Verifying this evidence bundle

        With Gatehouse: `gatehouse evidence verify bundle.zip --key public-key.pem` (or `--key SHA256:<fingerprint>`
        as the operator gave it to you out of band). It checks everything below and names the first problem.

        Without Gatehouse, from the unzipped folder:

        1. The signature. `manifest.sig` is an Ed25519 signature over the exact bytes of `manifest.json`:

               openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin -in manifest.json -sigfile manifest.sig

           Compare the key's fingerprint with the one you were given: `SHA256:` followed by the hex SHA-256 of the
           raw 32-byte key (`openssl pkey -pubin -in public-key.pem -outform DER | tail -c 32 | sha256sum`).
        2. Every file. `manifest.json` lists each file with its SHA-256 and size; nothing else may be present
           except `manifest.json`, `manifest.sig`, `signature.json` and `public-key.pem`.
        3. The populations. Each `evidence/<name>.csv` has `evidence/<name>.json` beside it: the query that produced
           it, its parameters (the period in UTC milliseconds), the row count and the CSV's SHA-256.
        4. The audit log. `audit/events.jsonl` holds one event per line; each line's previous_hash is the hash of
           the line before. For an event with a salt (chain format 2):
           hash = SHA-256(previous_hash || 0x02 || leaf), leaf = SHA-256(salt || canonical bytes);
           for an older event without one (format 1): hash = SHA-256(previous_hash || canonical bytes).
           The canonical bytes are `gatehouse-audit-v1\n` then, for seq, time (milliseconds), actor, tenant,
           source, action, target, outcome and each detail key in sorted order (as `detail.<key>`), a line
           `<len>:<name>=<len>:<value>\n` (`-` instead of a length and value when absent). Lines marked
           `withheld` belong to another tenant or lie outside the period: they give only their leaf, which
           still binds them into the chain. The last line's hash equals a checkpoint in
           `audit/checkpoints.json`, whose signature covers
           `gatehouse-audit-checkpoint-v1\n<sequence>\n<hash hex>\n<time ms>\n` with the same key.

        Statuses: `satisfied` (the rule held for every row), `not satisfied` (failing rows are named), and
        `no evidence` (the gateway holds nothing for the control in the period; never a pass).

        """
}
