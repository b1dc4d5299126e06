import Crypto
import Foundation
import GRDB
import GatehouseCore

/// Each tenant's card policy and token key. Keys are random 256-bit values sealed with the master
/// key, made the first time a tenant needs one, so tokens stay the same across restarts and
/// master-key re-sealing.
public struct CardPolicyRepository: Sendable {
    let database: AppDatabase

    /// Changes what is given; nil leaves a setting as it is. Audited in the same transaction.
    public func set(
        _ prefix: TenantPrefix, tokenize: Bool?, keepsBIN: Bool?, processor: CardProcessorURL??, by actor: AuditActor
    ) throws(GatehouseError) -> CardPolicy {
        let now = database.clock.now()
        let newKey = try sealedNewKey()
        return try database.write { db in
            guard let tenant = try TenantRepository.record(prefix, in: db), let tenantId = tenant.id else {
                throw GatehouseError.notFound("no tenant '\(prefix)'; see 'gatehouse tenant list'")
            }
            var record = try CardPolicyRecord.fetchOne(db, key: tenantId)
                ?? CardPolicyRecord(
                    tenantId: tenantId, tokenize: true, keepsBIN: false, processorURL: nil, keySealed: newKey(tenantId),
                    updatedAt: now.milliseconds)
            if let tokenize { record.tokenize = tokenize }
            if let keepsBIN { record.keepsBIN = keepsBIN }
            if let processor { record.processorURL = processor?.description }
            record.updatedAt = now.milliseconds
            try record.save(db)
            let policy = try Self.policy(record)
            try database.audit.append(
                AuditEvent(
                    time: now, actor: actor, tenant: prefix.value, action: AuditAction.cardPolicy, target: prefix.value,
                    details: [
                        "tokenize": String(policy.tokenize), "keeps_bin": String(policy.keepsBIN),
                        "processor": policy.processor.map(\.origin) ?? "-",
                    ]), in: db)
            return policy
        }
    }

    public func policy(_ prefix: TenantPrefix) throws(GatehouseError) -> CardPolicy {
        let record = try database.read { db -> CardPolicyRecord?? in
            guard let tenant = try TenantRepository.record(prefix, in: db), let id = tenant.id else { return nil }
            return .some(try CardPolicyRecord.fetchOne(db, key: id))
        }
        guard let record else { throw .notFound("no tenant '\(prefix)'; see 'gatehouse tenant list'") }
        return try record.map(Self.policy) ?? .standard
    }

    /// Every tenant's token key, making the missing ones. The gateway calls it on each reload.
    public func tokenKeys() throws(GatehouseError) -> [TenantPrefix: SymmetricKey] {
        let now = database.clock.now()
        let newKey = try sealedNewKey()
        let sealed: [(TenantPrefix, Int64, Data)] = try database.write { db in
            var result: [(TenantPrefix, Int64, Data)] = []
            for tenant in try TenantRecord.fetchAll(db) {
                guard let id = tenant.id, let prefix = try? TenantPrefix(tenant.prefix) else { continue }
                if let record = try CardPolicyRecord.fetchOne(db, key: id) {
                    result.append((prefix, id, record.keySealed))
                } else {
                    let record = CardPolicyRecord(
                        tenantId: id, tokenize: true, keepsBIN: false, processorURL: nil, keySealed: newKey(id),
                        updatedAt: now.milliseconds)
                    try record.insert(db)
                    result.append((prefix, id, record.keySealed))
                }
            }
            return result
        }
        var keys: [TenantPrefix: SymmetricKey] = [:]
        for (prefix, id, box) in sealed {
            keys[prefix] = SymmetricKey(data: try database.sealer.open(box, purpose: Self.purpose(id)))
        }
        return keys
    }

    /// A function sealing a fresh key for a tenant id (made outside the write transaction's closure
    /// so sealing errors surface as environment errors).
    private func sealedNewKey() throws(GatehouseError) -> (Int64) -> Data {
        let sealer = database.sealer
        return { id in
            let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
            return (try? sealer.seal(key, purpose: Self.purpose(id))) ?? Data()
        }
    }

    static func purpose(_ tenantId: Int64) -> String { "card-token-key/\(tenantId)" }

    static func policy(_ record: CardPolicyRecord) throws(GatehouseError) -> CardPolicy {
        CardPolicy(
            tokenize: record.tokenize, keepsBIN: record.keepsBIN,
            processor: try record.processorURL.map { url throws(GatehouseError) in try CardProcessorURL(url) })
    }
}

extension AppDatabase {
    public var cards: CardPolicyRepository { CardPolicyRepository(database: self) }
}
