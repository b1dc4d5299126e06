import Foundation
import GatehouseCore
import GatehouseCompression
import GatehouseTokenization

/// One card number found on disk, masked to BIN and last four.
public struct PCIFinding: Encodable, Sendable {
    public let file: String
    /// The gzip stream or ZIP member it was found in, if any.
    public let member: String?
    public let offset: Int64
    public let masked: String
    public let brand: String
}

/// Scans files for card numbers, byte by byte (SQLite databases, WAL files, logs, certificates),
/// following gzip streams and ZIP members through decompression. Proof for PCI DSS 3.5.1 that no
/// stored copy holds a card number.
public final class PCIScanner {
    public private(set) var findings: [PCIFinding] = []
    /// Files that could not be read or decompressed: the scan cannot vouch for them.
    public private(set) var unscannable: [(path: String, reason: String)] = []
    public private(set) var files = 0
    public private(set) var bytes: Int64 = 0
    private let chunkSize = 4 * 1024 * 1024
    private let progress: (Int64, Int) -> Void
    private var throttle = ProgressThrottle(startingNow: true)

    public init(progress: @escaping (Int64, Int) -> Void = { _, _ in }) {
        self.progress = progress
    }

    public func scan(paths: [String]) throws(GatehouseError) {
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw .invalidInput("\(path) does not exist")
            }
            if isDirectory.boolValue {
                scanTree(path)
            } else {
                scanFile(path)
            }
        }
    }

    private func scanTree(_ root: String) {
        guard let enumerator = FileManager.default.enumerator(
            at: URL(fileURLWithPath: root), includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey], options: [])
        else {
            unscannable.append((root, "cannot list the directory"))
            return
        }
        var paths: [String] = []
        for case let url as URL in enumerator {
            let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
            if values?.isRegularFile == true && values?.isSymbolicLink != true { paths.append(url.path) }
        }
        for path in paths.sorted() { scanFile(path) }
    }

    private func scanFile(_ path: String) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            unscannable.append((path, "cannot be opened"))
            return
        }
        defer { try? handle.close() }
        files += 1
        do {
            let magic = [UInt8](try handle.read(upToCount: 4) ?? Data())
            try handle.seek(toOffset: 0)
            // Every byte as stored…
            try scanStream(handle, path: path, member: nil, inflater: nil, limit: nil)
            // …and what compressed containers hold.
            if magic.starts(with: [0x1F, 0x8B]) {
                try handle.seek(toOffset: 0)
                try scanStream(handle, path: path, member: "gzip", inflater: try StreamingInflater(.gzip), limit: nil)
            } else if magic == [0x50, 0x4B, 0x03, 0x04] {
                let size = Int64(try handle.seekToEnd())
                let archive = try ZipEntries(handle: handle, size: size)
                for entry in archive.entries where !entry.name.hasSuffix("/") {
                    guard !entry.encrypted, entry.method == 0 || entry.method == 8 else {
                        unscannable.append((path + "!" + entry.name, entry.encrypted ? "encrypted member" : "compression method \(entry.method)"))
                        continue
                    }
                    let length = try archive.seekToData(of: entry)
                    try scanStream(
                        handle, path: path, member: entry.name, inflater: entry.method == 8 ? try StreamingInflater(.raw) : nil,
                        limit: length)
                }
            }
        } catch {
            unscannable.append((path, error is StreamingInflater.Corrupt ? "corrupt compressed data" : "read failed (\(error))"))
        }
    }

    private func scanStream(_ handle: FileHandle, path: String, member: String?, inflater: StreamingInflater?, limit: Int64?) throws {
        var scanner = StreamingPANScanner()
        var remaining = limit ?? .max
        let record: (Int64, String, CardBrand) -> Void = { offset, masked, brand in
            self.findings.append(PCIFinding(file: path, member: member, offset: offset, masked: masked, brand: brand.rawValue))
        }
        while remaining > 0 {
            guard let data = try handle.read(upToCount: Int(min(Int64(chunkSize), remaining))), !data.isEmpty else { break }
            remaining -= Int64(data.count)
            if member == nil || inflater == nil { bytes += Int64(data.count) }
            try data.withUnsafeBytes { raw in
                if let inflater {
                    try inflater.feed(raw) { scanner.scan($0, found: record) }
                } else {
                    scanner.scan(raw, found: record)
                }
            }
            reportProgress()
        }
        scanner.finish(found: record)
        try inflater?.end()
    }

    private func reportProgress() {
        guard throttle.shouldReport() else { return }
        progress(bytes, files)
    }
}
