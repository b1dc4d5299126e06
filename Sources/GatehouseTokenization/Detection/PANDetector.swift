/// One card number found in a byte sequence.
public struct PANMatch: Sendable, Equatable {
    /// Where the number lies in the input, separators included.
    public let range: Range<Int>
    /// The number's ASCII digits, separators removed.
    public let digits: [UInt8]
    public let brand: CardBrand
}

/// Finds payment card numbers in bytes: runs of 13–19 digits, optionally grouped by single spaces or
/// single dashes (one kind per run), bounded by non-digits, Luhn-valid, issued by a known brand,
/// and not one digit repeated. One pass, no allocation until a candidate passes every test.
public enum PANDetector {
    /// The longest a card number can be with separators: 19 digits and 18 separators.
    public static let longestMatch = 37
    private static let maxGroups = 24

    /// Calls `found` with each match's byte range and its digits (valid only during the call), in order.
    public static func scan(
        _ bytes: UnsafeRawBufferPointer, found: (Range<Int>, UnsafeBufferPointer<UInt8>, CardBrand) -> Void
    ) {
        scan(bytes, skippingShortRuns: true, found: found)
    }

    /// `skippingShortRuns: false` is the plain byte-by-byte walk, kept to check the fast path against.
    static func scan(
        _ bytes: UnsafeRawBufferPointer, skippingShortRuns: Bool,
        found: (Range<Int>, UnsafeBufferPointer<UInt8>, CardBrand) -> Void
    ) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let count = bytes.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: maxGroups * 2) { groups in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 19) { digits in
                var index = 0
                while index < count {
                    // The common case: skip text without 13 digits in a row (single separators allowed).
                    if skippingShortRuns { index = nextLongRun(base, from: index, count: count) }
                    index = nextDigit(base, from: index, count: count)
                    if index >= count { break }
                    // A run: digit groups joined by one consistent single separator.
                    var groupCount = 0
                    var separator: UInt8 = 0
                    var cursor = index
                    var digitCount = 0
                    var switched = false
                    while true {
                        let start = cursor
                        cursor = nextNonDigit(base, from: cursor, count: count)
                        groups[groupCount * 2] = start
                        groups[groupCount * 2 + 1] = cursor
                        groupCount += 1
                        digitCount += cursor - start
                        guard cursor + 1 < count, groupCount < maxGroups else { break }
                        let next = base[cursor]
                        guard next == 0x20 || next == 0x2D, base[cursor + 1] &- 0x30 <= 9 else { break }
                        guard separator == 0 || separator == next else {
                            switched = true  // "12 3782-822463-10005": the last group may start another number
                            break
                        }
                        separator = next
                        cursor += 1
                    }
                    // Most runs (dates, amounts, quantities) are too short to hold a card number.
                    var lastMatchedGroup = -1
                    if digitCount >= 13 {
                        lastMatchedGroup = evaluate(base, groups: groups, groupCount: groupCount, digits: digits, found: found)
                    }
                    // After a change of separator, go on from the last group unless a match used it.
                    index = switched && groupCount > 1 && lastMatchedGroup < groupCount - 1 ? groups[(groupCount - 1) * 2] : cursor
                }
            }
        }
    }

    /// High bit set in each byte of the eight at `index` that is an ASCII digit (high nibble 3, low
    /// nibble below 10); exact, no carries between bytes.
    @inline(__always)
    private static func digitMask(_ base: UnsafePointer<UInt8>, _ index: Int) -> UInt64 {
        let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
        let high = (word & 0xF0F0_F0F0_F0F0_F0F0) ^ 0x3030_3030_3030_3030
        let low = ((word & 0x0F0F_0F0F_0F0F_0F0F) &+ 0x0606_0606_0606_0606) & 0x1010_1010_1010_1010
        let nonDigit = high | low  // zero bytes are digits
        return ~(((nonDigit & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | nonDigit) & 0x8080_8080_8080_8080
    }

    /// Bit i set when byte i of the 64 at `index` is an ASCII digit (`separators: false`) or a space
    /// or dash (`separators: true`).
    @inline(__always)
    private static func bitmap64(_ base: UnsafePointer<UInt8>, _ index: Int, separators: Bool) -> UInt64 {
        var bits: UInt64 = 0
        for word in 0..<8 {
            let high: UInt64
            if separators {
                let raw = UInt64(littleEndian: UnsafeRawPointer(base + index + word * 8).loadUnaligned(as: UInt64.self))
                high = zeroBytes(raw ^ 0x2020_2020_2020_2020) | zeroBytes(raw ^ 0x2D2D_2D2D_2D2D_2D2D)
            } else {
                high = digitMask(base, index + word * 8)
            }
            // Gather each byte's high bit into one byte (bit k = byte k).
            bits |= (((high >> 7) &* 0x0102_0408_1020_4080) >> 56) << UInt64(word * 8)
        }
        return bits
    }

    @inline(__always)
    private static func zeroBytes(_ value: UInt64) -> UInt64 {
        ~(((value & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | value) & 0x8080_8080_8080_8080
    }

    /// The first place at or after `start` where 13 bytes in a row are digits or single separators
    /// between digits (a card number needs that much), backed up to where that stretch begins, but
    /// never before `start`. Windows of 64 bytes, advancing 32, so every 13-byte stretch lies whole in one.
    private static func nextLongRun(_ base: UnsafePointer<UInt8>, from start: Int, count: Int) -> Int {
        var window = start
        while window + 64 <= count {
            let digits = bitmap64(base, window, separators: false)
            // A 13-byte stretch starting in the window's first half holds at least 7 digits, all inside it.
            if digits.nonzeroBitCount >= 7 {
                let separators = bitmap64(base, window, separators: true)
                let run = digits | (separators & (digits << 1) & (digits >> 1))
                let two = run & (run >> 1), four = two & (two >> 2), eight = four & (four >> 4)
                let thirteen = eight & (four >> 8) & (run >> 12) & 0xFFFF_FFFF
                if thirteen != 0 {
                    var position = window + thirteen.trailingZeroBitCount
                    while position > start {
                        let previous = base[position - 1]
                        if previous &- 0x30 <= 9 {
                            position -= 1
                        } else if (previous == 0x20 || previous == 0x2D) && position - 2 >= start && base[position - 2] &- 0x30 <= 9 {
                            position -= 1
                        } else {
                            break
                        }
                    }
                    return position
                }
            }
            window += 32
        }
        return window
    }

    /// The index of the first ASCII digit at or after `start`, or `count`; eight bytes at a time.
    @inline(__always)
    private static func nextDigit(_ base: UnsafePointer<UInt8>, from start: Int, count: Int) -> Int {
        var index = start
        while index + 8 <= count {
            let digits = digitMask(base, index)
            if digits != 0 { return index + digits.trailingZeroBitCount / 8 }
            index += 8
        }
        while index < count && base[index] &- 0x30 > 9 { index += 1 }
        return index
    }

    /// The index of the first byte at or after `start` that is not an ASCII digit, or `count`.
    @inline(__always)
    private static func nextNonDigit(_ base: UnsafePointer<UInt8>, from start: Int, count: Int) -> Int {
        var index = start
        while index + 8 <= count {
            let others = ~digitMask(base, index) & 0x8080_8080_8080_8080
            if others != 0 { return index + others.trailingZeroBitCount / 8 }
            index += 8
        }
        while index < count && base[index] &- 0x30 <= 9 { index += 1 }
        return index
    }

    /// Tries every contiguous span of the run's groups holding 13–19 digits, leftmost and longest
    /// first; spans that match do not overlap.
    /// Returns the last group a match used, or -1.
    private static func evaluate(
        _ base: UnsafePointer<UInt8>, groups: UnsafeMutableBufferPointer<Int>, groupCount: Int,
        digits: UnsafeMutableBufferPointer<UInt8>, found: (Range<Int>, UnsafeBufferPointer<UInt8>, CardBrand) -> Void
    ) -> Int {
        var lastUsed = -1
        var first = 0
        while first < groupCount {
            var total = 0
            var last = first
            var matched = -1
            var matchedBrand = CardBrand.visa
            while last < groupCount {
                total += groups[last * 2 + 1] - groups[last * 2]
                if total > 19 { break }
                if total >= 13, isCardGrouping(groups, from: first, through: last),
                   let brand = check(base, groups: groups, from: first, through: last, digits: digits) {
                    matched = last
                    matchedBrand = brand
                }
                last += 1
            }
            if matched >= 0 {
                _ = check(base, groups: groups, from: first, through: matched, digits: digits)
                var length = 0
                for group in first...matched { length += groups[group * 2 + 1] - groups[group * 2] }
                found(groups[first * 2]..<groups[matched * 2 + 1], UnsafeBufferPointer(rebasing: digits[0..<length]), matchedBrand)
                lastUsed = matched
                first = matched + 1
            } else {
                first += 1
            }
        }
        return lastUsed
    }

    /// Grouped numbers are grouped as cards print and forms format them: a first group of four
    /// (4-4-4-4, 4-6-5, 4-6-4, 4-4-4-4-3, or fours with a short rest), middle groups of three to
    /// six, a last group of one to six. Numbers that merely stand side by side ("qty 12 34567
    /// 89012") are not read as one card.
    private static func isCardGrouping(_ groups: UnsafeMutableBufferPointer<Int>, from first: Int, through last: Int) -> Bool {
        guard last > first else { return true }
        guard groups[first * 2 + 1] - groups[first * 2] == 4 else { return false }
        for group in (first + 1)..<last where !(3...6).contains(groups[group * 2 + 1] - groups[group * 2]) { return false }
        return groups[last * 2 + 1] - groups[last * 2] <= 6
    }

    /// Copies the span's digits into `digits` and returns the brand if they form a card number.
    private static func check(
        _ base: UnsafePointer<UInt8>, groups: UnsafeMutableBufferPointer<Int>, from first: Int, through last: Int,
        digits: UnsafeMutableBufferPointer<UInt8>
    ) -> CardBrand? {
        var length = 0
        var allSame = true
        for group in first...last {
            for position in groups[group * 2]..<groups[group * 2 + 1] {
                digits[length] = base[position]
                if base[position] != digits[0] { allSame = false }
                length += 1
            }
        }
        let span = UnsafeBufferPointer(rebasing: digits[0..<length])
        guard !allSame, let brand = CardBrand.issuing(span), Luhn.isValid(span) else { return nil }
        return brand
    }

    /// A byte a card number's run is made of: a digit, or a space or dash between groups.
    @inline(__always)
    static func isNumberByte(_ byte: UInt8) -> Bool { byte &- 0x30 <= 9 || byte == 0x20 || byte == 0x2D }

    /// How many bytes at the end of `bytes` may belong to a card number that continues in the next
    /// chunk (trailing digits, spaces and dashes), at most one longer than the longest match.
    public static func unfinishedTail(_ bytes: UnsafeRawBufferPointer) -> Int {
        var tail = 0
        while tail < bytes.count, tail <= longestMatch {
            let byte = bytes[bytes.count - 1 - tail]
            guard isNumberByte(byte) else { break }
            tail += 1
        }
        return tail
    }

    /// Every match in `bytes`.
    public static func matches(in bytes: some Collection<UInt8>) -> [PANMatch] {
        var result: [PANMatch] = []
        let array = Array(bytes)
        array.withUnsafeBytes { raw in
            scan(raw) { range, digits, brand in result.append(PANMatch(range: range, digits: Array(digits), brand: brand)) }
        }
        return result
    }

    /// Whether `bytes` hold any card number.
    public static func containsPAN(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var any = false
        scan(bytes) { _, _, _ in any = true }
        return any
    }

    public static func containsPAN(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { containsPAN(UnsafeRawBufferPointer($0)) }
    }
}
