import GatehouseCore

/// Replaces every card number in a byte sequence with its token; the shared last step of every
/// rewriter once a value is decoded.
struct TokenReplacement {
    let tokenFor: (CardFinding) -> String
    var tokenized = 0
    /// How many JSON documents inside strings enclose the one being read (a webhook's payload as text,
    /// inside another): each level is a recursive rewrite, so their number is bounded.
    var embeddingDepth = 0
    /// Set when a document lay deeper than `maxEmbeddingDepth`: the request is refused, not read in part.
    var embeddedTooDeep = false
    static let maxEmbeddingDepth = 8

    /// `bytes` with each card number replaced, or nil when there is none (the common case).
    mutating func replacing(in bytes: UnsafeRawBufferPointer, context: CardContext) -> [UInt8]? {
        var output: [UInt8]?
        var copied = 0
        PANDetector.scan(bytes) { range, digits, _ in
            if output == nil {
                output = []
                output!.reserveCapacity(bytes.count + 64)
            }
            output!.append(contentsOf: bytes[copied..<range.lowerBound])
            output!.append(contentsOf: token(for: digits, context: context))
            copied = range.upperBound
        }
        guard output != nil else {
            // A card number in full-width or other digits (decoded from `\uFF14`, `%EF%BC%94`, …) is
            // tokenized as the application would read it: in ASCII digits.
            // (The mapped text has no other digits left to map, so this recursion ends there.)
            guard UnicodeDigits.hasNonASCII(bytes), let ascii = UnicodeDigits.asciiDigits(Array(bytes)) else { return nil }
            return replacing(in: ascii, context: context)
        }
        output!.append(contentsOf: bytes[copied...])
        return output
    }

    /// The token for one card number; the number is copied only into a finding wiped afterwards.
    mutating func token(for digits: UnsafeBufferPointer<UInt8>, context: CardContext) -> [UInt8] {
        var finding = CardFinding(pan: Array(digits), cvv: context.cvv, expiry: context.expiry)
        defer { finding.wipe() }
        tokenized += 1
        return Array(tokenFor(finding).utf8)
    }

    mutating func replacing(in bytes: [UInt8], context: CardContext) -> [UInt8]? {
        bytes.withUnsafeBytes { replacing(in: $0, context: context) }
    }
}

extension UInt8 {
    var isASCIIDigit: Bool { self &- 0x30 <= 9 }
}
