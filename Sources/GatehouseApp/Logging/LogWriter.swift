import Foundation
import Synchronization

/// Writes log lines to standard error. Access-log lines (one per request) are gathered and written
/// in batches, at 16 KiB or every 200 ms, so a busy gateway does not pay a system call per request;
/// any other line first flushes the batch, so lines keep their order.
final class LogWriter: Sendable {
    static let shared = LogWriter()
    private let pending = Mutex<[UInt8]>([])
    private static let batchBytes = 16 * 1024

    private init() {
        let thread = Thread { [unowned self] in
            while true {
                Thread.sleep(forTimeInterval: 0.2)
                self.flush()
            }
        }
        thread.name = "gatehouse-log-flush"
        thread.start()
        atexit { LogWriter.shared.flush() }
    }

    func write(_ line: String, batched: Bool) {
        if batched {
            write(bytes: line.utf8)
        } else {
            var bytes = pending.withLock { pending in
                defer { pending.removeAll(keepingCapacity: true) }
                return pending
            }
            bytes.append(contentsOf: line.utf8)
            Self.writeAll(bytes)
        }
    }

    /// A batched line already in bytes (an access-log line).
    func write(bytes line: some Collection<UInt8>) {
        let full: [UInt8]? = pending.withLock { pending in
            pending.append(contentsOf: line)
            guard pending.count >= Self.batchBytes else { return nil }
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        if let full { Self.writeAll(full) }
    }

    func flush() {
        let bytes = pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        if !bytes.isEmpty { Self.writeAll(bytes) }
    }

    private static func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }
}
