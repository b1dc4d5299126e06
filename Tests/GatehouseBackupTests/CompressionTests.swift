import Foundation
import GatehouseCompression
import GatehouseTesting
import Testing

/// Streaming gzip through the system zlib, checked against the system gzip tool.
struct CompressionTests {
    /// HTTP's `deflate` may come zlib-wrapped or raw; the two are told apart by the first two bytes,
    /// and both read back in pieces as small as one byte.
    @Test func zlibAndRawDeflateAreToldApart() throws {
        let input = Array(String(repeating: "Card on file: 4111 1111 1111 1111. ", count: 200).utf8)
        for format in [ZlibFormat.zlib, .raw] {
            var compressed: [UInt8] = []
            let deflater = try StreamingDeflater(format: format)
            try input.withUnsafeBytes { try deflater.feed($0) { compressed += $0 } }
            try deflater.finish { compressed += $0 }
            #expect(ZlibFormat.ofDeflate(startingWith: compressed[0], compressed[1]) == format)
            var restored: [UInt8] = []
            let inflater = try StreamingInflater(format, outputSize: 64)
            for byte in compressed { try [byte].withUnsafeBytes { try inflater.feed($0) { restored += $0 } } }
            try inflater.end()
            #expect(restored == input)
        }
        // Garbage is corrupt, not silently empty.
        let inflater = try StreamingInflater(.zlib)
        #expect(throws: StreamingInflater.Corrupt.self) { try [UInt8](repeating: 0xFF, count: 16).withUnsafeBytes { try inflater.feed($0) { _ in } } }
    }

    @Test func roundTripsInPiecesAndGzipReadsIt() throws {
        var generator = SystemRandomNumberGenerator()
        let input = (0..<3_000_000).map { _ in UInt8.random(in: 0x20...0x7A, using: &generator) }
        var compressed: [UInt8] = []
        let deflater = try StreamingDeflater()
        for start in stride(from: 0, to: input.count, by: 70_001) {
            try input[start..<min(start + 70_001, input.count)].withUnsafeBytes { try deflater.feed($0) { compressed += $0 } }
        }
        try deflater.finish { compressed += $0 }
        #expect(compressed.count < input.count)

        var restored: [UInt8] = []
        let inflater = try StreamingInflater(.gzip)
        for start in stride(from: 0, to: compressed.count, by: 4_096) {
            try compressed[start..<min(start + 4_096, compressed.count)].withUnsafeBytes { try inflater.feed($0) { restored += $0 } }
        }
        try inflater.end()
        #expect(restored == input)

        let directory = TemporaryDirectory("gatehouse-gzip")
        try Data(compressed).write(to: directory.url.appendingPathComponent("x.gz"))
        let gzip = try ProcessRunner.run("/bin/sh", ["-c", "gzip -t x.gz && gzip -dc x.gz | wc -c"], currentDirectory: directory.url.path)
        #expect(gzip.status == 0)
        #expect(gzip.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == String(input.count))
    }

    @Test func truncatedStreamsAreCorrupt() throws {
        let deflater = try StreamingDeflater()
        var compressed: [UInt8] = []
        try Array("hello hello hello".utf8).withUnsafeBytes { try deflater.feed($0) { compressed += $0 } }
        try deflater.finish { compressed += $0 }
        let inflater = try StreamingInflater(.gzip)
        try compressed.dropLast(6).withUnsafeBytes { try inflater.feed($0) { _ in } }
        #expect(throws: StreamingInflater.Corrupt.self) { try inflater.end() }
    }
}
