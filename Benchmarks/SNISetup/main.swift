import Foundation
import GatehouseCore
import GatehouseStore
import GatehouseTLS

// Fills a data directory and certificate store with tenant "bench" and N custom domains
// d0.bench.test … d<N-1>.bench.test, each with its own certificate from a fresh CA, the way
// N `cert import` calls would (catalogue, sealed keys, files), but in seconds.
//
//   sni-setup <data-dir> <certificates-dir> <count>   (writes <data-dir>/bench-ca.pem)
let arguments = CommandLine.arguments
guard arguments.count == 4, let count = Int(arguments[3]), count > 0 else {
    FileHandle.standardError.write(Data("usage: sni-setup <data-dir> <certificates-dir> <count>\n".utf8))
    exit(2)
}
let store = try AppDatabase.open(DataDirectory(path: arguments[1]))
let files = CertificateFiles(root: arguments[2], sealer: store.sealer)
let now = Date()
let ca = try DevelopmentCA.generate(now: now, name: "Gatehouse Benchmark CA")
try Data(try ca.certificatePEM().utf8).write(to: URL(fileURLWithPath: arguments[1]).appendingPathComponent("bench-ca.pem"))
_ = try store.tenants.create(
    NewTenant(
        prefix: try TenantPrefix("bench"), displayName: "Bench", upstream: try UpstreamURL("http://127.0.0.1:9"), region: .caCentral,
        databasePath: nil, expiresAt: now.addingTimeInterval(365 * 86_400)),
    by: .system("benchmark"))
for index in 0..<count {
    let hostname = try HostName("d\(index).bench.test")
    try store.domains.add(hostname, to: try TenantPrefix("bench"), by: .system("benchmark"))
    let certificate = try ca.certificate(for: hostname, now: now)
    try files.write(certificate, importedAt: now)
    try store.certificates.record(
        CatalogedCertificate(
            hostname: hostname.value, tenant: try TenantPrefix("bench"), kind: .custom, fingerprint: certificate.fingerprint,
            subject: certificate.subject, issuer: certificate.issuer, subjectAlternativeNames: certificate.subjectAlternativeNames,
            notBefore: certificate.notBefore, notAfter: certificate.notAfter, importedAt: now),
        warnings: [], by: .system("benchmark"))
    if index % 1000 == 999 { print("\(index + 1) certificates") }
}
print("done: \(count) certificates")
