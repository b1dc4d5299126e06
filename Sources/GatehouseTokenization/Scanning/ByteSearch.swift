#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finding a short byte string in raw bytes with `memchr` for its first byte: the standard
/// library's generic `firstRange(of:)` reads raw bytes hundreds of times slower, and these
/// searches run on every tokenized request body.
enum ByteSearch {
    /// The offset of the first `pattern` in `bytes` at or after `from`.
    static func first(_ pattern: StaticString, in bytes: UnsafeRawBufferPointer, from: Int = 0) -> Int? {
        pattern.withUTF8Buffer { first(UnsafeRawBufferPointer($0), in: bytes, from: from) }
    }

    static func first(_ pattern: UnsafeRawBufferPointer, in bytes: UnsafeRawBufferPointer, from: Int = 0) -> Int? {
        guard let lead = pattern.first, let base = bytes.baseAddress, let patternBase = pattern.baseAddress else { return nil }
        let last = bytes.count - pattern.count
        var index = max(0, from)
        while index <= last {
            guard let found = memchr(base + index, Int32(lead), last - index + 1) else { return nil }
            let at = base.distance(to: UnsafeRawPointer(found))
            if memcmp(base + at, patternBase, pattern.count) == 0 { return at }
            index = at + 1
        }
        return nil
    }
}

extension ArraySlice<UInt8> {
    /// The range of the first `pattern` here, in this slice's indices (`ByteSearch`, not the standard
    /// library's generic search).
    func firstBytes(_ pattern: [UInt8]) -> Range<Int>? {
        let found = withUnsafeBytes { bytes in pattern.withUnsafeBytes { ByteSearch.first($0, in: bytes) } }
        return found.map { startIndex + $0..<startIndex + $0 + pattern.count }
    }
}

extension Array<UInt8> {
    func firstBytes(_ pattern: [UInt8]) -> Range<Int>? { self[...].firstBytes(pattern) }
}
