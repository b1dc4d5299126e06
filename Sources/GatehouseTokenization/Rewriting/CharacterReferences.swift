#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Character references (`&#52;`, `&#x34;`, `&nbsp;`) to the characters a card number is written
/// with: in XML and HTML, `&#52;&#49;…` is read as digits, so a card number can hide in them.
enum CharacterReferences {
    /// Whether the bytes hold '&' followed by '#' or a letter at all (most bodies do not; `memchr`
    /// runs a vector at a time).
    static func mayHold(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            guard raw.count >= 4, var cursor = raw.baseAddress else { return false }
            let end = raw.baseAddress! + raw.count
            while cursor < end, let amp = memchr(cursor, Int32(UInt8(ascii: "&")), end - cursor) {
                let next = UnsafeRawPointer(amp) + 1
                if next < end {
                    let byte = next.load(as: UInt8.self)
                    if byte == UInt8(ascii: "#") || (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A { return true }
                }
                cursor = next
            }
            return false
        }
    }

    /// The bytes with each reference to a digit (of any script the detector maps), a space, a dash or
    /// an invisible character replaced by that character in UTF-8; nil when there is none. Other
    /// references stay as written.
    static func decodingCardCharacters(_ bytes: [UInt8]) -> [UInt8]? {
        guard mayHold(bytes) else { return nil }
        var output: [UInt8] = []
        var copied = 0
        var index = 0
        while let amp = bytes[index...].firstIndex(of: UInt8(ascii: "&")) {
            index = amp + 1
            guard let (scalar, end) = reference(in: bytes, at: amp), isCardCharacter(scalar) else { continue }
            if output.isEmpty { output.reserveCapacity(bytes.count) }
            output.append(contentsOf: bytes[copied..<amp])
            output.append(contentsOf: Array(String(Character(scalar)).utf8))
            copied = end
            index = end
        }
        guard copied > 0 else { return nil }
        output.append(contentsOf: bytes[copied...])
        return output
    }

    /// An attribute value as a browser reads it, for telling what a control is named: numeric
    /// references (`c&#118;v`, `&#x5F;`, also without the ';' a browser forgives there) and the named
    /// ones a field name is written with (`&lowbar;`, `&lsqb;`, `&rsqb;`, `&period;`, `&amp;`) decoded;
    /// the value unchanged when it holds no '&'.
    static func decodedAttributeValue(_ value: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(value.count)
        var index = value.startIndex
        while index < value.endIndex {
            guard value[index] == UInt8(ascii: "&") else {
                output.append(value[index])
                index += 1
                continue
            }
            if let (scalar, end) = attributeReference(in: value, at: index) {
                output.append(contentsOf: Array(String(Character(scalar)).utf8))
                index = end
            } else {
                output.append(value[index])
                index += 1
            }
        }
        return output
    }

    private static let namedPunctuation: [(name: [UInt8], scalar: Unicode.Scalar)] = [
        ("lowbar;", "_"), ("UnderBar;", "_"), ("lsqb;", "["), ("lbrack;", "["), ("rsqb;", "]"), ("rbrack;", "]"),
        ("period;", "."), ("amp;", "&"), ("AMP;", "&"),
    ].map { (Array($0.0.utf8), $0.1) }

    /// A reference in an attribute value at `start`: numeric with or without its ';', or one of the
    /// named ones above.
    private static func attributeReference(in value: ArraySlice<UInt8>, at start: Int) -> (scalar: Unicode.Scalar, end: Int)? {
        let index = start + 1
        guard index < value.endIndex else { return nil }
        guard value[index] == UInt8(ascii: "#") else {
            for entry in namedPunctuation where value[index...].starts(with: entry.name) { return (entry.scalar, index + entry.name.count) }
            return nil
        }
        return numericReference(in: value, digitsAfter: index + 1, semicolonRequired: false)
    }

    /// Where the reference at `start` ends (after its ';'), whatever character it names; nil when there is none.
    static func referenceEnd(in bytes: [UInt8], at start: Int) -> Int? {
        reference(in: bytes, at: start)?.end
    }

    /// Named references to the spaces, dashes and invisible characters a card number may be written with.
    private static let named: [(name: [UInt8], scalar: Unicode.Scalar)] = [
        ("nbsp", "\u{A0}"), ("NonBreakingSpace", "\u{A0}"), ("shy", "\u{AD}"), ("ZeroWidthSpace", "\u{200B}"),
        ("NegativeVeryThinSpace", "\u{200B}"), ("NegativeThinSpace", "\u{200B}"), ("NegativeMediumSpace", "\u{200B}"),
        ("NegativeThickSpace", "\u{200B}"), ("zwnj", "\u{200C}"), ("zwj", "\u{200D}"), ("lrm", "\u{200E}"), ("rlm", "\u{200F}"),
        ("NoBreak", "\u{2060}"), ("af", "\u{2061}"), ("ApplyFunction", "\u{2061}"), ("it", "\u{2062}"), ("InvisibleTimes", "\u{2062}"),
        ("ic", "\u{2063}"), ("InvisibleComma", "\u{2063}"), ("thinsp", "\u{2009}"), ("ThinSpace", "\u{2009}"), ("hairsp", "\u{200A}"),
        ("VeryThinSpace", "\u{200A}"), ("ensp", "\u{2002}"), ("emsp", "\u{2003}"), ("emsp13", "\u{2004}"), ("emsp14", "\u{2005}"),
        ("numsp", "\u{2007}"), ("puncsp", "\u{2008}"), ("MediumSpace", "\u{205F}"), ("hyphen", "\u{2010}"), ("dash", "\u{2010}"),
        ("ndash", "\u{2013}"), ("mdash", "\u{2014}"), ("minus", "\u{2212}"),
    ].map { (Array($0.0.utf8), $0.1) }

    /// The names above by their first byte: pages are full of `&amp;` and `&quot;`, which are compared
    /// with none of them.
    private static let namedByFirstByte: [[(name: [UInt8], scalar: Unicode.Scalar)]] = {
        var table = [[(name: [UInt8], scalar: Unicode.Scalar)]](repeating: [], count: 128)
        for entry in named { table[Int(entry.name[0])].append(entry) }
        return table
    }()

    /// The named reference above at `index` (just after the '&'), through its ';' (which `nbsp` and
    /// `shy`, legacy names, may go without, as browsers read them).
    static func namedReference<Bytes: RandomAccessCollection<UInt8>>(in bytes: Bytes, at index: Int) -> (scalar: Unicode.Scalar, end: Int)?
    where Bytes.Index == Int {
        guard index < bytes.endIndex, bytes[index] < 0x80 else { return nil }
        for entry in namedByFirstByte[Int(bytes[index])]
        where bytes.endIndex - index >= entry.name.count && bytes[index..<(index + entry.name.count)].elementsEqual(entry.name) {
            let end = index + entry.name.count
            if end < bytes.endIndex, bytes[end] == UInt8(ascii: ";") { return (entry.scalar, end + 1) }
            if entry.scalar == "\u{A0}" && entry.name.count == 4 || entry.scalar == "\u{AD}" { return (entry.scalar, end) }
        }
        return nil
    }

    /// `&#DDD;`, `&#xHHH;` (any number of leading zeros, the ';' optional) or one of the named
    /// references above at `start`: the character and the index after it.
    private static func reference(in bytes: [UInt8], at start: Int) -> (scalar: Unicode.Scalar, end: Int)? {
        let index = start + 1
        guard index < bytes.count else { return nil }
        guard bytes[index] == UInt8(ascii: "#") else { return namedReference(in: bytes, at: index) }
        // Browsers read `&#52` without its ';' as they read `&#52;`.
        return numericReference(in: bytes, digitsAfter: index + 1, semicolonRequired: false)
    }

    /// The digits of `&#DDD` or `&#xHHH` from `start` (any number of leading zeros), through the ';'
    /// when there is one: the character and the index after the reference.
    static func numericReference<Bytes: RandomAccessCollection<UInt8>>(
        in bytes: Bytes, digitsAfter start: Int, semicolonRequired: Bool
    ) -> (scalar: Unicode.Scalar, end: Int)? where Bytes.Index == Int {
        var index = start
        guard index < bytes.endIndex else { return nil }
        let hex = bytes[index] | 0x20 == UInt8(ascii: "x")
        if hex { index += 1 }
        let digitsStart = index
        while index < bytes.endIndex, bytes[index] == UInt8(ascii: "0") { index += 1 }
        var value: UInt32 = 0
        var significant = 0
        while index < bytes.endIndex {
            let byte = bytes[index]
            let digit: UInt32
            if byte.isASCIIDigit {
                digit = UInt32(byte - 0x30)
            } else if hex, (byte | 0x20) >= 0x61, (byte | 0x20) <= 0x66 {
                digit = UInt32((byte | 0x20) - 0x61 + 10)
            } else {
                break
            }
            // Past 8 significant digits no value is a character (and the arithmetic would overflow).
            significant += 1
            if significant <= 8 { value = value * (hex ? 16 : 10) + digit }
            index += 1
        }
        guard index > digitsStart, significant <= 8, let scalar = Unicode.Scalar(value) else { return nil }
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: ";") { return (scalar, index + 1) }
        return semicolonRequired ? nil : (scalar, index)
    }

    private static func isCardCharacter(_ scalar: Unicode.Scalar) -> Bool {
        UnicodeDigits.ascii(for: scalar) != nil
    }
}
