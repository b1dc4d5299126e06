/// Eight bytes of a little-endian word tested at once (SWAR): JSON strings and runs of spaces are
/// crossed a word at a time instead of a byte at a time. Every mask is exact per byte (no borrow
/// runs from one byte into the next), so a mask's lowest set bit marks the first matching byte and
/// `count` is the number of matching bytes.
enum ByteLanes {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The word at `pointer`, byte 0 in the low bits.
    @inline(__always)
    static func load(_ pointer: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(pointer).loadUnaligned(as: UInt64.self))
    }

    /// The high bit of each byte lane that is less than `bound` (at most 128).
    @inline(__always)
    static func less(_ word: UInt64, than bound: UInt8) -> UInt64 {
        ~(((word & ~highBits) &+ UInt64(0x80 - bound) &* ones) | word) & highBits
    }

    /// The high bit of each byte lane equal to `byte`.
    @inline(__always)
    static func equal(_ word: UInt64, to byte: UInt8) -> UInt64 {
        less(word ^ (UInt64(byte) &* ones), than: 1)
    }

    /// The high bit of each byte lane that is an ASCII digit.
    @inline(__always)
    static func digits(_ word: UInt64) -> UInt64 {
        less(word ^ (0x30 &* ones), than: 10)
    }

    /// Inside a JSON string, what ends the fast path: a quote, a backslash or a control byte.
    @inline(__always)
    static func jsonStringStops(_ word: UInt64) -> UInt64 {
        equal(word, to: UInt8(ascii: "\"")) | equal(word, to: UInt8(ascii: "\\")) | less(word, than: 0x20)
    }

    /// The high bit of each lane that may belong to a base64 run, spell part of one or join it across
    /// (a superset: `%` to `9`, which holds `+`, `-`, `/`, digits and escapes' `%`; what folds to `a`
    /// to DEL, which holds the letters, `_` and `\`; and line breaks).
    @inline(__always)
    static func mayBeBase64(_ word: UInt64) -> UInt64 {
        let punctuationOrDigit = less(word, than: 0x3A) & ~less(word, than: 0x25)
        let folded = word | (0x20 &* ones)
        let letterLike = ~less(folded, than: 0x61) & ~folded
        return (punctuationOrDigit | letterLike | equal(word, to: 0x0A) | equal(word, to: 0x0D)) & highBits
    }

    /// The lanes below byte `count` (0–7) of a mask.
    @inline(__always)
    static func below(_ count: Int, _ mask: UInt64) -> UInt64 {
        mask & ((1 &<< UInt64(count &* 8)) &- 1)
    }

    /// How many lanes of a mask are set: one multiply (`nonzeroBitCount` is a dozen instructions on
    /// baseline x86-64, which has no POPCNT).
    @inline(__always)
    static func count(_ mask: UInt64) -> Int { Int(truncatingIfNeeded: ((mask &>> 7) &* ones) &>> 56) }

    /// Index of the first lane set in a non-zero mask.
    @inline(__always)
    static func firstLane(_ mask: UInt64) -> Int { mask.trailingZeroBitCount &>> 3 }
}
