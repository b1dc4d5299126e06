/// Percent escapes decoded byte by byte, as lenient parsers do: a malformed escape (`10%`, `%zz`) stays
/// as it is and the rest is still decoded. Card numbers are looked for in what an application would
/// read, so the gateway decodes the way it would.
public enum PercentDecoding {
    /// `plusIsSpace`: '+' is a space (forms, queries), not a plus (paths).
    public static func decode(_ raw: some Collection<UInt8>, plusIsSpace: Bool) -> [UInt8] {
        let bytes = Array(raw)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                output.append(high << 4 | low)
                index += 3
                continue
            }
            output.append(byte == UInt8(ascii: "+") && plusIsSpace ? 0x20 : byte)
            index += 1
        }
        return output
    }

    /// A hexadecimal digit's value, either case.
    public static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - 0x30
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - 0x57
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - 0x37
        default: nil
        }
    }
}
