import Foundation
import GatehouseCore
import GatehouseStore
import GatehouseTLS
import Logging

/// Builds the SNI snapshot from the catalogue and the certificate files, reusing every certificate
/// whose fingerprint has not changed, so a reload parses only what was imported.
struct CertificateSnapshotLoader {
    let store: AppDatabase
    let files: CertificateFiles
    let platformHostname: String
    let logger: Logger

    func load(previous: CertificateSnapshot?) throws(GatehouseError) -> CertificateSnapshot {
        var byName: [String: ServingCertificate] = [:]
        for entry in try store.certificates.all() {
            if let reused = previous?.byName[entry.hostname], reused.fingerprint == entry.fingerprint {
                byName[entry.hostname] = reused
                continue
            }
            do {
                let stored = try files.read(entry.hostname)
                guard stored.metadata.fingerprint == entry.fingerprint else {
                    logger.error(
                        "certificate files do not match the catalogue; keeping the previous certificate",
                        metadata: ["hostname": "\(entry.hostname)"])
                    if let kept = previous?.byName[entry.hostname] { byName[entry.hostname] = kept }
                    continue
                }
                byName[entry.hostname] = try ServingCertificate(
                    hostname: entry.hostname, fingerprint: entry.fingerprint, notAfter: entry.notAfter, chainPEM: stored.chainPEM,
                    keyPEM: stored.keyPEM)
            } catch {
                logger.error("cannot load a stored certificate", metadata: ["hostname": "\(entry.hostname)", "error": "\(error.message)"])
                if let kept = previous?.byName[entry.hostname] { byName[entry.hostname] = kept }
            }
        }
        guard let platform = byName[platformHostname] ?? previous?.platform else {
            throw .environment("no usable certificate for \(platformHostname); run 'gatehouse cert dev-ca' or 'gatehouse cert import-platform'")
        }
        return CertificateSnapshot(byName: byName, platform: platform)
    }
}
