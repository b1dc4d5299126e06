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
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let count = bytes.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: maxGroups * 2) { groups in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 19) { digits in
                var index = 0
                while index < count {
                    // The common case: skip everything that is not a digit.
                    while index < count && base[index] &- 0x30 > 9 { index += 1 }
                    if index >= count { break }
                    // A run: digit groups joined by one consistent single separator.
                    var groupCount = 0
                    var separator: UInt8 = 0
                    var cursor = index
                    while true {
                        let start = cursor
                        while cursor < count && base[cursor] &- 0x30 <= 9 { cursor += 1 }
                        groups[groupCount * 2] = start
                        groups[groupCount * 2 + 1] = cursor
                        groupCount += 1
                        guard cursor + 1 < count, groupCount < maxGroups else { break }
                        let next = base[cursor]
                        guard next == 0x20 || next == 0x2D, separator == 0 || separator == next,
                              base[cursor + 1] &- 0x30 <= 9
                        else { break }
                        separator = next
                        cursor += 1
                    }
                    evaluate(base, groups: groups, groupCount: groupCount, digits: digits, found: found)
                    index = cursor
                }
            }
        }
    }

    /// Tries every contiguous span of the run's groups holding 13–19 digits, leftmost and longest
    /// first; spans that match do not overlap.
    private static func evaluate(
        _ base: UnsafePointer<UInt8>, groups: UnsafeMutableBufferPointer<Int>, groupCount: Int,
        digits: UnsafeMutableBufferPointer<UInt8>, found: (Range<Int>, UnsafeBufferPointer<UInt8>, CardBrand) -> Void
    ) {
        var first = 0
        while first < groupCount {
            var total = 0
            var last = first
            var matched = -1
            var matchedBrand = CardBrand.visa
            while last < groupCount {
                total += groups[last * 2 + 1] - groups[last * 2]
                if total > 19 { break }
                if total >= 13, let brand = check(base, groups: groups, from: first, through: last, digits: digits) {
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
                first = matched + 1
            } else {
                first += 1
            }
        }
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
