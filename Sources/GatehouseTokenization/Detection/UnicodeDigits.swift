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

    /// The ASCII stand-in for a card character named by a character reference or an escape (ASCII
    /// digits, space and dash as themselves, the characters `map` reads as it reads them), nil for
    /// any other. By value, without encoding it: pages are full of references to other characters.
    static func ascii(for scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        switch value {
        case 0x30...0x39, 0x20, 0x2D: return UInt8(value)
        case 0xFF10...0xFF19: return UInt8(0x30 + value - 0xFF10)
        case 0x0660...0x0669: return UInt8(0x30 + value - 0x0660)
        case 0x06F0...0x06F9: return UInt8(0x30 + value - 0x06F0)
        case 0x0966...0x096F: return UInt8(0x30 + value - 0x0966)
        case 0xA0, 0x2000...0x200A, 0x202F, 0x3000: return 0x20
        case 0xAD, 0x200B...0x200D, 0x2060, 0xFEFF: return invisible
        default: return nil
        }
    }

    /// What `map` gives for a character that is dropped: it shows nothing, so `4111\u{200B}1111…` reads
    /// as one run of digits.
    static let invisible: UInt8 = 0

    /// The ASCII stand-in for the UTF-8 sequence at `index` (a digit for a decimal digit, a space for a
    /// space, `invisible` for an invisible character, nil for anything else) and the sequence's length.
    static func map(_ bytes: [UInt8], at index: Int) -> (UInt8?, Int) {
        func at(_ offset: Int) -> UInt8 { index + offset < bytes.count ? bytes[index + offset] : 0 }
        let lead = bytes[index]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        switch (lead, at(1), at(2)) {
        case (0xEF, 0xBC, 0x90...0x99): return (0x30 + at(2) - 0x90, 3)  // U+FF10–FF19 full-width
        case (0xD9, 0xA0...0xA9, _): return (0x30 + at(1) - 0xA0, 2)  // U+0660–0669 Arabic-Indic
        case (0xDB, 0xB0...0xB9, _): return (0x30 + at(1) - 0xB0, 2)  // U+06F0–06F9 Eastern Arabic-Indic
        case (0xE0, 0xA5, 0xA6...0xAF): return (0x30 + at(2) - 0xA6, 3)  // U+0966–096F Devanagari
        case (0xC2, 0xA0, _): return (0x20, 2)  // no-break space
        case (0xC2, 0xAD, _): return (invisible, 2)  // soft hyphen
        case (0xE2, 0x80, 0x8B...0x8D), (0xE2, 0x81, 0xA0), (0xEF, 0xBB, 0xBF): return (invisible, 3)  // zero-width, word joiner, BOM
        case (0xE2, 0x80, 0x80...0x8A), (0xE2, 0x80, 0xAF), (0xE3, 0x80, 0x80): return (0x20, 3)  // en/em/thin/narrow/ideographic spaces
        default: return (nil, length)
        }
    }
}
