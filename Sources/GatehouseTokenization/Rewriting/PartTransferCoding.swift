import Foundation
import GatehouseCore

/// A multipart part's Content-Transfer-Encoding (RFC 2045 §6). RFC 7578 deprecates it for forms,
/// but older MIME libraries still send base64 and quoted-printable parts; the gateway reads them
/// as it reads any part, and writes a rewritten part back in the same coding. Decoding is strict:
/// what a lenient decoder would guess at is refused, since the upstream's decoder might guess
/// differently and see a card number the gateway did not.
enum PartTransferCoding: Equatable {
    /// 7bit, 8bit, binary: the bytes are the content.
    case identity
    case base64
    case quotedPrintable

    /// The coding a part's Content-Transfer-Encoding values name; nil for any other coding, or for
    /// two that differ (parsers disagree on which counts).
    init?(headerValues: [String]) {
        let codings = Set(headerValues.map { value -> PartTransferCoding? in
            switch value.lowercased() {
            case "7bit", "8bit", "binary": .identity
            case "base64": .base64
            case "quoted-printable": .quotedPrintable
            default: nil
            }
        })
        guard codings.count <= 1, let coding = codings.first ?? .identity else { return nil }
        self = coding
    }

    /// The content a part's bytes carry; nil when they are not valid in this coding.
    func decode(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        switch self {
        case .identity: Array(bytes)
        case .base64: Self.decodeBase64(bytes)
        case .quotedPrintable: Self.decodeQuotedPrintable(bytes)
        }
    }

    /// Content written in this coding: base64 in lines of 76, quoted-printable with soft breaks
    /// before 76 columns.
    func encode(_ content: [UInt8]) -> [UInt8] {
        switch self {
        case .identity: content
        case .base64: Array(Data(content).base64EncodedString(options: .lineLength76Characters).utf8)  // CRLF between lines
        case .quotedPrintable: Self.encodeQuotedPrintable(content)
        }
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let sextets: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(value) }
        return table
    }()

    /// Line breaks and spaces between characters are skipped; padding only at the end.
    private static func decodeBase64(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 3 / 4)
        var bits: UInt32 = 0, held = 0, characters = 0, padding = 0
        for byte in bytes {
            switch byte {
            case 0x0D, 0x0A, 0x20, 0x09:
                continue
            case UInt8(ascii: "="):
                padding += 1
                characters += 1
                continue
            default:
                let value = sextets[Int(byte)]
                guard value != 0xFF, padding == 0 else { return nil }
                bits = bits << 6 | UInt32(value)
                held += 6
                characters += 1
                if held >= 8 {
                    held -= 8
                    output.append(UInt8(truncatingIfNeeded: bits >> UInt32(held)))
                }
            }
        }
        // Whole quanta of four, at most two of them padding, and no stray bits left over.
        guard characters % 4 == 0, padding <= 2, bits & ((1 << UInt32(held)) - 1) == 0 else { return nil }
        return output
    }

    /// `=XX` escapes and soft line breaks (`=` at a line's end); any other `=` is refused.
    private static func decodeQuotedPrintable(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var rest = bytes[...]
        while let equals = rest.firstIndex(of: UInt8(ascii: "=")) {
            output += rest[..<equals]
            // (RFC 2045 lets spaces come between a soft break's '=' and its line end, but Python's
            // decoder keeps them as text: such a part is refused, not read one way of two.)
            let following = rest[(equals + 1)...]
            if following.isEmpty {
                return output  // a soft break at the very end
            } else if following.first == 0x0A {
                rest = following.dropFirst()
            } else if following.starts(with: [0x0D, 0x0A]) {
                rest = following.dropFirst(2)
            } else if rest.count - (equals - rest.startIndex) >= 3, let high = PercentDecoding.hexValue(rest[equals + 1]),
                let low = PercentDecoding.hexValue(rest[equals + 2])
            {
                output.append(high << 4 | low)
                rest = rest[(equals + 3)...]
            } else {
                return nil
            }
        }
        return output + rest
    }

    private static func encodeQuotedPrintable(_ content: [UInt8]) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(content.count + content.count / 16)
        var column = 0
        var index = 0
        while index < content.count {
            let byte = content[index]
            // A line break in the content stays one.
            if byte == 0x0D, index + 1 < content.count, content[index + 1] == 0x0A {
                output += [0x0D, 0x0A]
                column = 0
                index += 2
                continue
            }
            let atLineEnd = index + 1 == content.count || content[index + 1] == 0x0D
            let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 0x20 || byte == 0x09) && !atLineEnd)
            let width = literal ? 1 : 3
            if column + width > 75 {
                output += [UInt8(ascii: "="), 0x0D, 0x0A]
                column = 0
            }
            if literal {
                output.append(byte)
            } else {
                output += [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
            column += width
            index += 1
        }
        return output
    }
}
