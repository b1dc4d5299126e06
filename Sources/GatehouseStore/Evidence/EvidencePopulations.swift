import GatehouseCore

/// The query behind each population: SQL over the store, shown verbatim in every bundle so an
/// auditor can re-run it. Event populations read the hash-chained audit log; snapshots read the
/// configuration tables. `:start`/`:end` are the period in milliseconds, `:tenant` the scope.
enum EvidencePopulations {
    static let eventColumns = ["sequence", "time", "actor", "tenant", "source_ip", "action", "target", "outcome", "details"]

    /// Events of the given actions in the period, oldest first.
    static func events(_ actions: [String], extraCondition: String = "", tenant: Bool) -> String {
        """
        SELECT sequence, time, actor, tenant, sourceIP, action, target, outcome, details
        FROM auditEvent
        WHERE action IN (\(actions.map { "'\($0)'" }.joined(separator: ", "))) AND time >= :start AND time < :end\(extraCondition)\(tenant ? " AND tenant = :tenant" : "")
        ORDER BY sequence
        """
    }

    static func query(for collector: EvidenceCollector, tenant: Bool) -> (sql: String, columns: [String])? {
        switch collector {
        case .usersCreated: (events([AuditAction.userAdd], tenant: tenant), eventColumns)
        case .usersDeprovisioned: (usersDeprovisioned(tenant: tenant), eventColumns + ["signins_after"])
        case .roleChanges: (roleChanges(tenant: tenant), eventColumns + ["self_change"])
        case .credentialChanges:
            (events([AuditAction.passwordSet, AuditAction.tokenCreate, AuditAction.tokenRevoke, AuditAction.keyAdd, AuditAction.keyRemove], tenant: tenant), eventColumns)
        case .allowlistChanges: (events([AuditAction.allowlistAdd, AuditAction.allowlistRemove], tenant: tenant), eventColumns)
        case .tenantChanges:
            (events([AuditAction.tenantCreate, AuditAction.tenantUpdate, AuditAction.tenantSuspend, AuditAction.tenantResume,
                     AuditAction.tenantDelete, AuditAction.cardPolicy], tenant: tenant), eventColumns)
        case .certificateEvents:
            (events([AuditAction.certificateImport, AuditAction.certificateReplace, AuditAction.certificateExpiring,
                     AuditAction.domainAdd, AuditAction.domainRemove], tenant: tenant), eventColumns)
        case .loginFailures: (events([AuditAction.authentication], extraCondition: " AND outcome <> 'success'", tenant: tenant), eventColumns)
        case .bans: (events([AuditAction.ban], tenant: tenant), eventColumns)
        case .accessDenials: (events([AuditAction.accessDenied], tenant: tenant), eventColumns)
        case .backupDownloads: (events([AuditAction.backupDownload], tenant: tenant), eventColumns)
        case .backupPrunes: (events([AuditAction.backupPrune], tenant: tenant), eventColumns)
        case .restoreChecks: (events([AuditAction.backupVerify], tenant: tenant), eventColumns)
        case .backupsDaily: (backupsDaily(tenant: tenant), ["tenant", "day", "backups", "failed_runs", "missing"])
        case .tokenizationDaily: (tokenizationDaily(tenant: tenant), ["tenant", "day", "requests_tokenized", "fields_tokenized", "security_codes_removed", "requests_refused"])
        case .allowlistSnapshot: (allowlistSnapshot(tenant: tenant), ["tenant", "status", "tenant_rules", "user_rules", "allow_all_exception", "networks"])
        case .tenants: (tenants(tenant: tenant), ["tenant", "status", "region", "database", "created", "subscription_expires", "oldest_backup"])
        case .certificates: (certificates(tenant: tenant), ["hostname", "tenant", "kind", "fingerprint", "issuer", "not_before", "not_after", "expired_in_period", "status_at_period_end"])
        case .cardPolicies: (cardPolicies(tenant: tenant), ["tenant", "tokenization", "keep_bin", "card_processor"])
        case .incidents: (incidents(tenant: tenant), ["id", "title", "detected", "tenants", "significant_harm", "notified", "recorded_at", "recorded_by"])
        case .tlsConfiguration, .auditVerification: nil
        }
    }

    /// A sign-in counts against a deprovisioning only if no re-enable or re-creation came between.
    static func usersDeprovisioned(tenant: Bool) -> String {
        """
        SELECT e.sequence, e.time, e.actor, e.tenant, e.sourceIP, e.action, e.target, e.outcome, e.details,
          (SELECT count(*) FROM auditEvent AS s
           WHERE s.action = 'auth.login' AND s.outcome = 'success' AND s.actor = 'user:' || e.target
             AND s.time > e.time AND s.time < :end
             AND NOT EXISTS (SELECT 1 FROM auditEvent AS r
                             WHERE r.action IN ('user.enable', 'user.add') AND r.target = e.target
                               AND r.time > e.time AND r.time <= s.time)) AS signins_after
        FROM auditEvent AS e
        WHERE e.action IN ('user.disable', 'user.remove') AND e.outcome = 'success'
          AND e.time >= :start AND e.time < :end\(tenant ? " AND e.tenant = :tenant" : "")
        ORDER BY e.sequence
        """
    }

    static func roleChanges(tenant: Bool) -> String {
        """
        SELECT sequence, time, actor, tenant, sourceIP, action, target, outcome, details,
          CASE WHEN actor = 'user:' || target THEN 'yes' ELSE 'no' END AS self_change
        FROM auditEvent
        WHERE action = 'user.roles' AND time >= :start AND time < :end\(tenant ? " AND tenant = :tenant" : "")
        ORDER BY sequence
        """
    }

    /// Days each tenant was active with a database from its first whole day; a day without a
    /// successful backup is missing. A day the tenant spent suspended, even in part (by its
    /// tenant.suspend and tenant.resume events, so a suspension since lifted still counts), expects no backup.
    static func backupsDaily(tenant: Bool) -> String {
        """
        WITH RECURSIVE day(startMs) AS (
          SELECT :start UNION ALL SELECT startMs + 86400000 FROM day WHERE startMs + 86400000 < :end
        ),
        expected AS (
          SELECT t.prefix, day.startMs FROM tenant AS t, day
          WHERE t.databasePath IS NOT NULL AND t.createdAt <= day.startMs
            AND t.expiresAt > day.startMs\(tenant ? " AND t.prefix = :tenant" : "")
            AND NOT EXISTS (
              SELECT 1 FROM auditEvent AS s
              WHERE s.action = 'tenant.suspend' AND s.outcome = 'success' AND s.tenant = t.prefix
                AND s.time < day.startMs + 86400000
                AND NOT EXISTS (SELECT 1 FROM auditEvent AS r
                                WHERE r.action = 'tenant.resume' AND r.outcome = 'success' AND r.tenant = t.prefix
                                  AND r.time > s.time AND r.time <= day.startMs))
        )
        SELECT prefix, day, backups, failed_runs, CASE WHEN backups = 0 THEN 'yes' ELSE 'no' END AS missing
        FROM (
          SELECT x.prefix, x.startMs, strftime('%Y-%m-%d', x.startMs / 1000, 'unixepoch') AS day,
            (SELECT count(*) FROM auditEvent AS e WHERE e.action = 'backup.run' AND e.outcome = 'success'
               AND e.tenant = x.prefix AND e.time >= x.startMs AND e.time < x.startMs + 86400000) AS backups,
            (SELECT count(*) FROM auditEvent AS e WHERE e.action = 'backup.run' AND e.outcome <> 'success'
               AND e.tenant = x.prefix AND e.time >= x.startMs AND e.time < x.startMs + 86400000) AS failed_runs
          FROM expected AS x
        )
        ORDER BY prefix, startMs
        """
    }

    static func tokenizationDaily(tenant: Bool) -> String {
        """
        SELECT tenant, strftime('%Y-%m-%d', time / 1000, 'unixepoch') AS day,
          sum(CASE WHEN action = 'card.tokenize' THEN coalesce(CAST(json_extract(details, '$.requests') AS INTEGER), 1) ELSE 0 END) AS requests_tokenized,
          sum(CASE WHEN action = 'card.tokenize' THEN CAST(json_extract(details, '$.fields') AS INTEGER) ELSE 0 END) AS fields_tokenized,
          sum(CASE WHEN action = 'card.tokenize' THEN CAST(json_extract(details, '$.security_codes_removed') AS INTEGER) ELSE 0 END) AS security_codes_removed,
          sum(action = 'card.refuse') AS requests_refused
        FROM auditEvent
        WHERE action IN ('card.tokenize', 'card.refuse') AND time >= :start AND time < :end\(tenant ? " AND tenant = :tenant" : "")
        GROUP BY tenant, day
        ORDER BY tenant, day
        """
    }

    /// A tenant's status at the period's end: suspended by its last suspend/resume event before then
    /// (not today's flag, so a suspension since lifted still shows), expired by its subscription.
    static let tenantStatus = """
        CASE WHEN (SELECT x.action FROM auditEvent AS x
                   WHERE x.action IN ('tenant.suspend', 'tenant.resume') AND x.outcome = 'success' AND x.tenant = t.prefix
                     AND x.time < :end ORDER BY x.sequence DESC LIMIT 1) = 'tenant.suspend' THEN 'suspended'
             WHEN t.expiresAt <= :end THEN 'expired' ELSE 'active' END
        """

    /// The allowlists in force at the period's end, rebuilt from allowlist.add/remove events (a rule
    /// is in force when its last event before :end added it), so a past period is judged by the
    /// rules it had, not today's.
    static func allowlistSnapshot(tenant: Bool) -> String {
        """
        WITH latest AS (
          SELECT e.tenant, e.target, json_extract(e.details, '$.cidr') AS cidr, max(e.sequence) AS sequence
          FROM auditEvent AS e
          WHERE e.action IN ('allowlist.add', 'allowlist.remove') AND e.outcome = 'success' AND e.time < :end
          GROUP BY e.tenant, e.target, cidr
        ),
        rules AS (
          SELECT l.tenant, l.cidr, CASE WHEN l.target = l.tenant THEN 'tenant' ELSE 'user' END AS scope
          FROM latest AS l JOIN auditEvent AS a ON a.sequence = l.sequence
          WHERE a.action = 'allowlist.add'
        )
        SELECT t.prefix, \(tenantStatus) AS status,
          (SELECT count(*) FROM rules AS r WHERE r.tenant = t.prefix AND r.scope = 'tenant') AS tenant_rules,
          (SELECT count(*) FROM rules AS r WHERE r.tenant = t.prefix AND r.scope = 'user') AS user_rules,
          CASE WHEN EXISTS (SELECT 1 FROM rules AS r WHERE r.tenant = t.prefix AND r.scope = 'tenant' AND r.cidr LIKE '%/0')
               THEN 'yes' ELSE 'no' END AS allow_all_exception,
          ifnull((SELECT group_concat(cidr, ' ') FROM (SELECT cidr FROM rules AS r
                  WHERE r.tenant = t.prefix AND r.scope = 'tenant' ORDER BY cidr)), '') AS networks
        FROM tenant AS t
        WHERE t.createdAt < :end\(tenant ? " AND t.prefix = :tenant" : "")
        ORDER BY t.prefix
        """
    }

    static func tenants(tenant: Bool) -> String {
        """
        SELECT t.prefix, \(tenantStatus) AS status, t.region,
          CASE WHEN t.databasePath IS NULL THEN 'no' ELSE 'yes' END AS database,
          t.createdAt, t.expiresAt,
          (SELECT min(b.createdAt) FROM backup AS b WHERE b.tenantId = t.id) AS oldest_backup
        FROM tenant AS t
        WHERE t.createdAt < :end\(tenant ? " AND t.prefix = :tenant" : "")
        ORDER BY t.prefix
        """
    }

    static func certificates(tenant: Bool) -> String {
        """
        SELECT c.hostname, ifnull((SELECT prefix FROM tenant WHERE id = c.tenantId), '') AS tenant, c.kind,
          c.fingerprint, c.issuer, c.notBefore, c.notAfter,
          CASE WHEN c.notAfter >= :start AND c.notAfter < :end THEN 'yes' ELSE 'no' END AS expired_in_period,
          CASE WHEN c.notAfter < :end THEN 'expired' WHEN c.notBefore >= :end THEN 'not yet valid' ELSE 'valid' END AS status_at_period_end
        FROM certificate AS c
        \(tenant ? "WHERE c.kind = 'platform' OR c.tenantId = (SELECT id FROM tenant WHERE prefix = :tenant)" : "")
        ORDER BY c.hostname
        """
    }

    /// Card settings in force at the period's end, from each tenant's last tenant.card_policy event
    /// before then; a tenant without one tokenizes (the default). Events written before the setting was
    /// kept in clear (it read as "[redacted]") fall back to today's setting. The processor shows as its origin.
    static func cardPolicies(tenant: Bool) -> String {
        """
        SELECT t.prefix,
          CASE WHEN p.sequence IS NULL THEN 'on'
               WHEN json_extract(p.details, '$.tokenize') = 'false' THEN 'off'
               WHEN json_extract(p.details, '$.tokenize') = 'true' THEN 'on'
               WHEN ifnull(c.tokenize, 1) = 1 THEN 'on' ELSE 'off' END AS tokenization,
          CASE WHEN json_extract(p.details, '$.keeps_bin') = 'true' THEN 'yes' ELSE 'no' END AS keep_bin,
          CASE WHEN ifnull(json_extract(p.details, '$.processor'), '-') = '-' THEN '' ELSE json_extract(p.details, '$.processor') END
            AS card_processor
        FROM tenant AS t
        LEFT JOIN cardPolicy AS c ON c.tenantId = t.id
        LEFT JOIN auditEvent AS p ON p.sequence = (
          SELECT max(x.sequence) FROM auditEvent AS x
          WHERE x.action = 'tenant.card_policy' AND x.outcome = 'success' AND x.tenant = t.prefix AND x.time < :end)
        WHERE t.createdAt < :end\(tenant ? " AND t.prefix = :tenant" : "")
        ORDER BY t.prefix
        """
    }

    static func incidents(tenant: Bool) -> String {
        """
        SELECT id, title, detectedDay, \(tenant ? ":tenant" : "tenants") AS tenants,
          CASE significantHarm WHEN 1 THEN 'yes' WHEN 0 THEN 'no' ELSE 'not assessed' END AS significant_harm,
          ifnull(notifiedDay, '') AS notified, recordedAt, recordedBy
        FROM incident
        WHERE detectedDay >= :from AND detectedDay <= :to\(tenant ? " AND (',' || tenants || ',') LIKE ('%,' || :tenant || ',%')" : "")
        ORDER BY id
        """
    }
}
