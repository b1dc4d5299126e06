/// Reads the details column back: a flat JSON object of strings, as `AuditLog.detailsJSON` writes it.
/// Exports and verification read every event, so this avoids a JSONDecoder per row; anything it
/// does not recognise returns nil and the caller falls back to JSONDecoder.
enum AuditDetailsParser {
    static func parse(_ json: String) -> [String: String]? {
        var utf8 = Array(json.utf8)
        return utf8.withUnsafeMutableBufferPointer { parse($0) }
    }

    private static func parse(_ bytes: UnsafeMutableBufferPointer<UInt8>) -> [String: String]? {
        var index = 0
        let count = bytes.count
        guard count >= 2, bytes[0] == UInt8(ascii: "{") else { return nil }
        index = 1
        var result: [String: String] = [:]
        if bytes[index] == UInt8(ascii: "}") { return index + 1 == count ? result : nil }
        while true {
            guard let key = string(bytes, &index), index < count, bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            guard let value = string(bytes, &index), index < count else { return nil }
            result[key] = value
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "}"), index + 1 == count else { return nil }
            return result
        }
    }

    /// A string literal at `index`; plain ones are copied in one go, escapes other than \" \\ \/ → nil.
    private static func string(_ bytes: UnsafeMutableBufferPointer<UInt8>, _ index: inout Int) -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        var start = index + 1
        var position = start
        var pieces: String?
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let tail = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                index = position + 1
                return pieces.map { $0 + tail } ?? tail
            }
            if byte == UInt8(ascii: "\\") {
                guard position + 1 < bytes.count else { return nil }
                let escaped = bytes[position + 1]
                guard escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\") || escaped == UInt8(ascii: "/") else { return nil }
                let head = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                pieces = (pieces ?? "") + head + String(UnicodeScalar(escaped))
                position += 2
                start = position
                continue
            }
            if byte < 0x20 { return nil }
            position += 1
        }
        return nil
    }
}
