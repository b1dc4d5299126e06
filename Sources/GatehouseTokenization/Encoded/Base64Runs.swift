/// Runs of base64 text in a request, as clients embed files and documents: a JSON string, a form
/// value, a `data:` URL, a cookie. Both alphabets are read at once (standard `+/`, URL-safe `-_`),
/// and a run goes on across what wraps or escapes it where it travels: line breaks (MIME wraps at
/// 76), JSON's `\n`, `\r` and `\/`, and a form's `%2B`, `%2F`, `%0A`. Padding ends a run.
enum Base64Runs {
    /// The fewest characters that can hold a card number: 13 bytes take 18.
    static let shortest = 18

    /// Each run of at least `shortest` characters, as its 6-bit values.
    ///
    /// A word of eight bytes every ten: a run of 18 characters spans at least 18 bytes a run may
    /// hold or join across, and so holds one of those words whole wherever the stepping falls
    /// (10 + 8 ≤ 18). Only where a word of eight such bytes turns up is the region around it
    /// (bounded by bytes no run holds or joins across) read exactly.
    static func each(in bytes: UnsafeRawBufferPointer, _ body: ([UInt8]) throws -> Void) rethrows {
        guard bytes.count >= shortest, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let count = bytes.count
        var index = 0
        while index + 8 <= count {
            guard ByteLanes.mayBeBase64(ByteLanes.load(base + index)) == ByteLanes.highBits else {
                index += 10
                continue
            }
            var start = index, end = index + 8
            while start > 0, mayBeInRun(bytes[start - 1]) { start -= 1 }
            while end < count, mayBeInRun(bytes[end]) { end += 1 }
            if end - start >= shortest { try eachExactly(in: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), body) }
            index = end
        }
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
                    continue
                }
                let inRun = index > runStart || joined != nil
                var skip = 1, value: UInt8?, joins = inRun
                switch byte {
                case 0x0A, 0x0D:
                    break
                case UInt8(ascii: "\\") where index + 1 < count && (bytes[index + 1] == UInt8(ascii: "n") || bytes[index + 1] == UInt8(ascii: "r")):
                    skip = 2
                case UInt8(ascii: "\\") where index + 1 < count && bytes[index + 1] == UInt8(ascii: "/"):
                    skip = 2
                    value = 63
                case UInt8(ascii: "%") where index + 2 < count:
                    skip = 3
                    switch (bytes[index + 1], bytes[index + 2] | 0x20) {
                    case (UInt8(ascii: "2"), UInt8(ascii: "b")): value = 62
                    case (UInt8(ascii: "2"), UInt8(ascii: "f")): value = 63
                    case (UInt8(ascii: "0"), UInt8(ascii: "a")), (UInt8(ascii: "0"), UInt8(ascii: "d")): break
                    case (UInt8(ascii: "3"), UInt8(ascii: "d")): joins = false  // padding
                    default:
                        // Any other escape ends the run at its '%' (what follows may start another).
                        joins = false
                        skip = 1
                    }
                default:
                    // '=' (padding) and anything else end the run.
                    joins = false
                }
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
