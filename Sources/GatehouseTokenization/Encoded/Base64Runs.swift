/// Runs of base64 text in a request, as clients embed files and documents: a JSON string, a form
/// value, a `data:` URL, a cookie, an XML element. Both alphabets are read at once (standard `+/`,
/// URL-safe `-_`), and a run goes on across what wraps or escapes it where it travels: line breaks
/// (MIME wraps at 76), JSON's `\n`, `\r` and `\/`, a form's `%2B`, `%2F`, `%0A`, XML's character
/// references for line breaks (`&#13;`, `&#xA;`: what JDK serializers write), and the spaces or
/// tabs that indent the next line (pretty-printed XML and JSON), raw or escaped (`\t`, `%20`,
/// `&#9;`). Padding ends a run; so does a space that follows no line break. Not joined: a form's
/// `+` for a space, which is also a base64 character.
enum Base64Runs {
    /// The fewest characters that can hold a card number: 13 bytes take 18.
    static let shortest = 18

    /// Each run of at least `shortest` characters, as its 6-bit values.
    ///
    /// A word of eight bytes every ten: 17 bytes in a row that a run may hold or join across
    /// (`mayBeInRun`) hold one of those words whole wherever the stepping falls (9 + 8 ≤ 17). Only
    /// where such a word turns up is the region around it read exactly, bounded by bytes no run
    /// holds or joins across. Every line of wrapped base64 is that long (encoders wrap at 64 or 76),
    /// and the region reaches across indentation and character references to the lines around it;
    /// a run all of whose lines are shorter than 17 bytes can go unread.
    static func each(in bytes: UnsafeRawBufferPointer, _ body: ([UInt8]) throws -> Void) rethrows {
        guard bytes.count >= shortest, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let count = bytes.count
        var index = 0, readThrough = 0
        while index + 8 <= count {
            guard ByteLanes.mayBeBase64(ByteLanes.load(base + index)) == ByteLanes.highBits else {
                index += 10
                continue
            }
            var start = index, end = index + 8
            while start > readThrough {
                if mayBeInRun(bytes[start - 1]) || isReferencePunctuation(bytes[start - 1]) {
                    start -= 1
                } else if let indented = indentationStart(before: start, in: bytes) {
                    start = indented
                } else {
                    break
                }
            }
            while end < count {
                let byte = bytes[end]
                guard mayBeInRun(byte) || isReferencePunctuation(byte) || (isIndentation(byte) && followsLineBreak(end, in: bytes)) else { break }
                end += 1
            }
            if end - start >= shortest { try eachExactly(in: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), body) }
            index = end
            readThrough = end
        }
    }

    @inline(__always)
    private static func isIndentation(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09
    }

    /// `#` and `;`, which with `&` and digits or letters spell a character reference.
    @inline(__always)
    private static func isReferencePunctuation(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "#") || byte == UInt8(ascii: ";")
    }

    /// Whether the bytes before `index` may end a line break or the indentation after one: wider than
    /// what `eachExactly` joins across (any `;`, any `n` after a backslash), which only makes a region
    /// read exactly a little larger.
    private static func followsLineBreak(_ index: Int, in bytes: UnsafeRawBufferPointer) -> Bool {
        guard index > 0 else { return false }
        switch bytes[index - 1] {
        case 0x0A, 0x0D, 0x20, 0x09, UInt8(ascii: ";"):
            return true
        case UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return index >= 2 && bytes[index - 2] == UInt8(ascii: "\\")
        case UInt8(ascii: "A"), UInt8(ascii: "a"), UInt8(ascii: "D"), UInt8(ascii: "d"), UInt8(ascii: "9"):
            return index >= 3 && bytes[index - 3] == UInt8(ascii: "%") && bytes[index - 2] == UInt8(ascii: "0")
        case UInt8(ascii: "0"):
            return index >= 3 && bytes[index - 3] == UInt8(ascii: "%") && bytes[index - 2] == UInt8(ascii: "2")
        default:
            return false
        }
    }

    /// Where the indentation ending at `index` starts, when a line break comes before it (nil: no
    /// indentation there, or spaces that follow no line break).
    private static func indentationStart(before index: Int, in bytes: UnsafeRawBufferPointer) -> Int? {
        var start = index
        while start > 0, isIndentation(bytes[start - 1]) { start -= 1 }
        return start < index && followsLineBreak(start, in: bytes) ? start : nil
    }

    /// A byte a run may hold or join across, as `ByteLanes.mayBeBase64` tests eight at once.
    @inline(__always)
    static func mayBeInRun(_ byte: UInt8) -> Bool {
        byte &- 0x25 < 0x15 || ((byte | 0x20) &- 0x61 < 0x1F) || byte == 0x0A || byte == 0x0D
    }

    /// Each run in `bytes`, read byte by byte.
    static func eachExactly(in bytes: UnsafeRawBufferPointer, _ body: ([UInt8]) throws -> Void) rethrows {
        try sextet.withUnsafeBufferPointer { table in
            let count = bytes.count
            // A run is only copied out when it is long enough, or when something joins it to what
            // follows (then its values are gathered as it goes).
            var runStart = 0, index = 0
            var joined: [UInt8]?
            /// Whether what was joined across since the last character ends in a line break (then
            /// spaces and tabs, indentation, join too).
            var afterBreak = false
            func end(at runEnd: Int) throws {
                if var run = joined {
                    run.append(contentsOf: bytes[runStart..<runEnd].map { table[Int($0)] })
                    if run.count >= shortest { try body(run) }
                } else if runEnd - runStart >= shortest {
                    try body(bytes[runStart..<runEnd].map { table[Int($0)] })
                }
                joined = nil
            }
            /// Gathers the run so far (it goes on after something that is not one of its characters).
            func gather(upTo runEnd: Int) {
                if joined == nil { joined = [] }
                for byte in bytes[runStart..<runEnd] { joined!.append(table[Int(byte)]) }
            }
            while index < count {
                let byte = bytes[index]
                if table[Int(byte)] < 64 {
                    index += 1
                    afterBreak = false
                    continue
                }
                let inRun = index > runStart || joined != nil
                var skip = 1, value: UInt8?, joins = inRun
                /// What was joined across: a line break, or indentation (which joins only after one).
                var lineBreak = false, indentation = false
                switch byte {
                case 0x0A, 0x0D:
                    lineBreak = true
                case 0x20, 0x09:
                    indentation = true
                case UInt8(ascii: "\\") where index + 1 < count:
                    skip = 2
                    switch bytes[index + 1] {
                    case UInt8(ascii: "n"), UInt8(ascii: "r"): lineBreak = true
                    case UInt8(ascii: "t"): indentation = true
                    case UInt8(ascii: "/"): value = 63
                    default:
                        joins = false
                        skip = 1
                    }
                case UInt8(ascii: "%") where index + 2 < count:
                    skip = 3
                    switch (bytes[index + 1], bytes[index + 2] | 0x20) {
                    case (UInt8(ascii: "2"), UInt8(ascii: "b")): value = 62
                    case (UInt8(ascii: "2"), UInt8(ascii: "f")): value = 63
                    case (UInt8(ascii: "0"), UInt8(ascii: "a")), (UInt8(ascii: "0"), UInt8(ascii: "d")): lineBreak = true
                    case (UInt8(ascii: "2"), UInt8(ascii: "0")), (UInt8(ascii: "0"), UInt8(ascii: "9")): indentation = true
                    case (UInt8(ascii: "3"), UInt8(ascii: "d")): joins = false  // padding
                    default:
                        // Any other escape ends the run at its '%' (what follows may start another).
                        joins = false
                        skip = 1
                    }
                case UInt8(ascii: "&"):
                    if let reference = characterReference(at: index, in: bytes), [9, 10, 13, 32].contains(reference.value) {
                        skip = reference.length
                        lineBreak = reference.value == 10 || reference.value == 13
                        indentation = !lineBreak
                    } else {
                        joins = false
                    }
                default:
                    // '=' (padding) and anything else end the run.
                    joins = false
                }
                if indentation, !(inRun && afterBreak) {
                    // Spaces after no line break end the run (an escaped one at its first byte).
                    joins = false
                    skip = 1
                }
                afterBreak = joins && (lineBreak || indentation)
                if joins || (value != nil && !inRun) {
                    gather(upTo: index)
                    if let value { joined!.append(value) }
                } else {
                    try end(at: index)
                }
                index += skip
                runStart = index
            }
            try end(at: count)
        }
    }

    /// A numeric character reference at `index` (`&#10;`, `&#x9;`, any case, leading zeros): its
    /// length and the code point it names; nil for any other text.
    static func characterReference(at index: Int, in bytes: UnsafeRawBufferPointer) -> (length: Int, value: Int)? {
        guard index + 3 < bytes.count, bytes[index + 1] == UInt8(ascii: "#") else { return nil }
        var cursor = index + 2
        let hex = bytes[cursor] | 0x20 == UInt8(ascii: "x")
        if hex { cursor += 1 }
        var value = 0, digits = 0
        while cursor < bytes.count, digits < 8 {
            let byte = bytes[cursor]
            if byte &- 0x30 < 10 {
                value = value * (hex ? 16 : 10) + Int(byte &- 0x30)
            } else if hex, (byte | 0x20) &- 0x61 < 6 {
                value = value * 16 + Int((byte | 0x20) &- 0x61 + 10)
            } else {
                break
            }
            digits += 1
            cursor += 1
        }
        guard digits > 0, cursor < bytes.count, bytes[cursor] == UInt8(ascii: ";") else { return nil }
        return (cursor + 1 - index, value)
    }

    /// The bytes a run spells when read from its `offset`th character (a run may start with
    /// characters that belong to the text before the encoded data, as `file=` or a word glued to it).
    static func decode(_ run: [UInt8], from offset: Int) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity((run.count - offset) * 3 / 4)
        var bits: UInt32 = 0, held = 0
        for value in run[offset...] {
            bits = bits << 6 | UInt32(value)
            held += 6
            if held >= 8 {
                held -= 8
                output.append(UInt8(truncatingIfNeeded: bits >> UInt32(held)))
            }
        }
        return output
    }

    /// How much decoded bytes look like data worth reading for more encoded data: the start of
    /// compressed data (any score beats text), or text (base64 inside a document), scored by its
    /// printable bytes; nil for noise. Read from the wrong character, a run decodes to noise.
    static func dataLikeness(_ decoded: UnsafeRawBufferPointer) -> Int? {
        let head = UnsafeRawBufferPointer(rebasing: decoded.prefix(64))
        guard head.count >= 2 else { return nil }
        // Compressed data may follow text glued on before it (`/upload/H4sI…`), decoded to noise or not.
        for start in 0..<(head.count - 1) {
            if CompressedMembers.signature(at: start, in: head) != nil { return Int.max }
            if start < 4, CompressedMembers.isZlibHeader(head[start], head[start + 1]) { return Int.max }
        }
        let text = head.reduce(0) { count, byte in (byte &- 0x20 < 0x5F || byte == 0x09 || byte == 0x0A || byte == 0x0D) ? count + 1 : count }
        return text * 4 >= head.count * 3 ? text : nil
    }

    /// Each byte's 6-bit value in either alphabet; 64 for any other byte.
    private static let sextet: [UInt8] = {
        var table = [UInt8](repeating: 64, count: 256)
        for (value, byte) in Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8).enumerated() {
            table[Int(byte)] = UInt8(value)
        }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()
}
