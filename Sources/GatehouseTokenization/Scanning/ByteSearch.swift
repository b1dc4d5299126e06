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

    /// `memchr` to each candidate, then a compare; where candidates come so thick that comparing
    /// costs more than a few passes over the bytes (a long boundary of dashes in a body of dashes),
    /// on from there in linear time.
    static func first(_ pattern: UnsafeRawBufferPointer, in bytes: UnsafeRawBufferPointer, from: Int = 0) -> Int? {
        guard let lead = pattern.first, let base = bytes.baseAddress, let patternBase = pattern.baseAddress else { return nil }
        let last = bytes.count - pattern.count
        var index = max(0, from)
        var compared = 0
        while index <= last {
            guard let found = memchr(base + index, Int32(lead), last - index + 1) else { return nil }
            let at = base.distance(to: UnsafeRawPointer(found))
            if memcmp(base + at, patternBase, pattern.count) == 0 { return at }
            compared += pattern.count
            if compared > 4 * (bytes.count - from) + 64 { return linear(pattern, in: bytes, from: at) }
            index = at + 1
        }
        return nil
    }

    /// Knuth–Morris–Pratt: every byte read once, whatever the pattern.
    static func linear(_ pattern: UnsafeRawBufferPointer, in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        let count = pattern.count
        var fallback = [Int](repeating: 0, count: count)
        var matched = 0
        for index in 1..<max(1, count) {
            while matched > 0, pattern[index] != pattern[matched] { matched = fallback[matched - 1] }
            if pattern[index] == pattern[matched] { matched += 1 }
            fallback[index] = matched
        }
        matched = 0
        var index = max(0, from)
        while index < bytes.count {
            while matched > 0, bytes[index] != pattern[matched] { matched = fallback[matched - 1] }
            if bytes[index] == pattern[matched] { matched += 1 }
            if matched == count { return index - count + 1 }
            index += 1
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
