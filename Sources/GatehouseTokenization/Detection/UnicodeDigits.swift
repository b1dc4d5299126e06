/// Card numbers written with digits other than ASCII (full-width, Arabic-Indic, Devanagari), spaced
/// with non-ASCII spaces (no-break, thin, ideographic) or with invisible characters between digits
/// (zero-width space and joiners, word joiner, soft hyphen): text an ERP may normalize into a card number,
/// but the detector does not read. Such text is mapped to ASCII here: to be tokenized as an
/// application would read it, and to refuse a body holding one the rewriters could not place.
enum UnicodeDigits {
    /// Whether the bytes, with those digits and spaces mapped to ASCII, hold a card number.
    static func holdCardNumber(_ bytes: [UInt8]) -> Bool {
        guard hasNonASCII(bytes), let mapped = asciiDigits(bytes) else { return false }
        return mapped.withUnsafeBytes { PANDetector.containsPAN($0) }
    }

    /// The bytes with those digits and spaces as ASCII ones and everything else as it was; nil when
    /// there are none (so a decoded value can be tokenized in the form an application would read).
    static func asciiDigits(_ bytes: [UInt8]) -> [UInt8]? {
        var mapped: [UInt8] = []
        mapped.reserveCapacity(bytes.count)
        var changed = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                mapped.append(byte)
                index += 1
                continue
            }
            let (ascii, length) = map(bytes, at: index)
            if let ascii {
                if ascii != invisible { mapped.append(ascii) }
                changed = true
            } else {
                mapped.append(contentsOf: bytes[index..<min(index + length, bytes.count)])
            }
            index += length
        }
        return changed ? mapped : nil
    }

    /// A word at a time: most bodies are ASCII, and this runs for every tokenized body.
    static func hasNonASCII(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { hasNonASCII($0) }
    }

    static func hasNonASCII(_ raw: UnsafeRawBufferPointer) -> Bool {
        raw.withMemoryRebound(to: UInt8.self) { buffer in
            guard let base = buffer.baseAddress else { return false }
            var index = 0
            // 32 bytes a test: the words' high bits are OR-ed first.
            while index + 32 <= buffer.count {
                let any = ByteLanes.load(base + index) | ByteLanes.load(base + index + 8) | ByteLanes.load(base + index + 16)
                    | ByteLanes.load(base + index + 24)
                if any & ByteLanes.highBits != 0 { return true }
                index += 32
            }
            while index + 8 <= buffer.count {
                if ByteLanes.load(base + index) & ByteLanes.highBits != 0 { return true }
                index += 8
            }
            return buffer[index...].contains { $0 >= 0x80 }
        }
    }

    /// The ASCII stand-in for a card character (ASCII digits, space and dash as themselves; other
    /// decimal digits as their digit; other spaces as a space; dashes and hyphens as '-'; characters
    /// that show nothing as `invisible`), nil for any other. By value: pages are full of references
    /// to other characters.
    static func ascii(for scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        switch value {
        case 0x30...0x39, 0x20, 0x2D: return UInt8(value)
        case 0xFF10...0xFF19: return UInt8(0x30 + value - 0xFF10)  // full-width
        case 0x0660...0x0669: return UInt8(0x30 + value - 0x0660)  // Arabic-Indic
        case 0x06F0...0x06F9: return UInt8(0x30 + value - 0x06F0)  // Eastern Arabic-Indic
        case 0x0966...0x096F: return UInt8(0x30 + value - 0x0966)  // Devanagari
        case 0xA0, 0x2000...0x200A, 0x202F, 0x205F, 0x3000: return 0x20  // no-break, en/em/thin/hair, narrow, math, ideographic
        case 0x2010...0x2015, 0x2212, 0xFE58, 0xFE63, 0xFF0D: return 0x2D  // hyphens, dashes, minus, full-width hyphen-minus
        // Soft hyphen, grapheme joiner, zero-width characters, direction marks and controls, invisible
        // operators, variation selectors, BOM.
        case 0xAD, 0x034F, 0x180E, 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2064, 0x2066...0x2069, 0xFE00...0xFE0F, 0xFEFF:
            return invisible
        default: return nil
        }
    }

    /// What `map` gives for a character that is dropped: it shows nothing, so `4111\u{200B}1111…` reads
    /// as one run of digits.
    static let invisible: UInt8 = 0

    /// The ASCII stand-in for the UTF-8 sequence at `index` (what `ascii(for:)` gives for its
    /// character, nil for anything else or a malformed sequence) and the sequence's length.
    static func map<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, at index: Int) -> (UInt8?, Int) where Bytes.Index == Int {
        let lead = bytes[index]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        guard length > 1, index + length <= bytes.endIndex else { return (nil, length) }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard byte & 0xC0 == 0x80 else { return (nil, length) }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return (Unicode.Scalar(value).flatMap(ascii(for:)), length)
    }
}
