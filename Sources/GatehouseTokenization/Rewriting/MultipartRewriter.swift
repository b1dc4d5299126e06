import Foundation

/// Rewrites `multipart/form-data` (RFC 7578): each part's content is scanned and its card numbers
/// become tokens; parts named as security codes are dropped. Parts in a transfer encoding the
/// gateway cannot read (base64, quoted-printable) make the body unscannable.
struct MultipartRewriter {
    struct Malformed: Error {}
    struct Unreadable: Error { let encoding: String }

    let boundary: [UInt8]
    var replacement: TokenReplacement
    var removed = 0

    private struct Part {
        let headers: ArraySlice<UInt8>
        let content: ArraySlice<UInt8>
        let name: String?
    }

    mutating func rewrite(_ bytes: [UInt8]) throws -> [UInt8]? {
        let delimiter = Array("--".utf8) + boundary
        guard let firstDelimiter = bytes.firstRange(of: delimiter) else { throw Malformed() }
        var parts: [Part] = []
        var cursor = firstDelimiter.upperBound
        let separator = Array("\r\n".utf8) + delimiter
        while true {
            // After a delimiter: "--" closes the body, CRLF starts a part.
            if bytes[cursor...].starts(with: Array("--".utf8)) { break }
            guard bytes[cursor...].starts(with: Array("\r\n".utf8)) else { throw Malformed() }
            let partStart = cursor + 2
            guard let next = bytes[partStart...].firstRange(of: separator) else { throw Malformed() }
            let part = bytes[partStart..<next.lowerBound]
            guard let blank = part.firstRange(of: Array("\r\n\r\n".utf8)) else { throw Malformed() }
            let headers = bytes[partStart..<blank.lowerBound]
            let headerText = String(decoding: headers, as: UTF8.self).lowercased()
            for encoding in ["base64", "quoted-printable"] where headerText.contains("content-transfer-encoding: \(encoding)") {
                throw Unreadable(encoding: encoding)
            }
            parts.append(Part(headers: headers, content: bytes[blank.upperBound..<next.lowerBound], name: Self.fieldName(headers)))
            cursor = next.upperBound
        }
        // Each part's field name is classified once: for the card context and for removal.
        let kinds = parts.map { part in part.name.map { CardFieldNames.kind(Array($0.utf8)[...]) } ?? .other }
        var context = CardContext()
        for (part, kind) in zip(parts, kinds) { context.note(kind: kind, value: Array(part.content)) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 64)
        output.append(contentsOf: bytes[..<firstDelimiter.lowerBound])
        var changed = false
        for (part, kind) in zip(parts, kinds) {
            if kind == .securityCode {
                removed += 1
                changed = true
                continue
            }
            output.append(contentsOf: delimiter + Array("\r\n".utf8))
            output.append(contentsOf: part.headers)
            output.append(contentsOf: Array("\r\n\r\n".utf8))
            if let replaced = replacement.replacing(in: Array(part.content), context: context) {
                output.append(contentsOf: replaced)
                changed = true
            } else {
                output.append(contentsOf: part.content)
            }
            output.append(contentsOf: Array("\r\n".utf8))
        }
        output.append(contentsOf: delimiter + Array("--\r\n".utf8))
        return changed ? output : nil
    }

    /// The `name` parameter of a part's Content-Disposition.
    static func fieldName(_ headers: ArraySlice<UInt8>) -> String? {
        let text = String(decoding: headers, as: UTF8.self)
        for line in text.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
            for parameter in line.split(separator: ";").dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "name" else { continue }
                return pair[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }
}
