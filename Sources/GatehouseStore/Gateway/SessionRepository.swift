import Foundation
import GRDB
import GatehouseCore

/// Sessions persist so that a restart (or another gateway node) keeps users signed in.
public struct SessionRepository: SessionStore {
    let database: AppDatabase

    public func save(_ session: BrowserSession, sourceIP: String?) async throws {
        try await database.writer.write { db in
            try SessionRecord(
                digest: session.digest, userId: session.userID, csrfToken: session.csrfToken, sourceIP: sourceIP,
                createdAt: session.createdAt.milliseconds, lastSeenAt: session.lastSeenAt.milliseconds,
                expiresAt: session.expiresAt.milliseconds
            ).save(db)
        }
    }

    public func find(digest: Data) async throws -> BrowserSession? {
        try await database.writer.read { db in
            try SessionRecord.fetchOne(db, key: digest).map {
                BrowserSession(
                    digest: $0.digest, userID: $0.userId, csrfToken: $0.csrfToken, createdAt: Date(milliseconds: $0.createdAt),
                    lastSeenAt: Date(milliseconds: $0.lastSeenAt), expiresAt: Date(milliseconds: $0.expiresAt))
            }
        }
    }

    public func touch(digest: Data, at time: Date) async throws {
        try await database.writer.write { db in
            try db.execute(sql: "UPDATE session SET lastSeenAt = ? WHERE digest = ?", arguments: [time.milliseconds, digest])
        }
    }

    public func delete(digest: Data) async throws {
        _ = try await database.writer.write { db in try SessionRecord.deleteOne(db, key: digest) }
    }

    /// Drops sessions past their absolute expiry or idle for longer than `idleTimeout`.
    public func prune(now: Date, idleTimeout: TimeInterval) async throws -> Int {
        try await database.writer.write { db in
            try SessionRecord.filter(
                Column("expiresAt") <= now.milliseconds || Column("lastSeenAt") <= now.addingTimeInterval(-idleTimeout).milliseconds
            ).deleteAll(db)
        }
    }
}
