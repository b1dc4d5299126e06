import Foundation

/// Rewrites `multipart/form-data` (RFC 7578): each part's content is scanned and its card numbers
/// become tokens; parts named as security codes are dropped. A part in base64 or quoted-printable
/// is read decoded and, when rewritten, encoded again; any other transfer encoding, or one that does
/// not decode, makes the body unscannable.
struct MultipartRewriter {
    struct Malformed: Error {}
    struct Unreadable: Error { let encoding: String }

    let boundary: [UInt8]
    var replacement: TokenReplacement
    var removed = 0
    /// The most decompressed data the check of decoded parts may make (nil: what their size allows).
    var contentsLimit: Int?

    private struct Part {
        let headers: ArraySlice<UInt8>
        /// As sent, and as read (decoded from its transfer coding).
        let sent: ArraySlice<UInt8>
        let content: [UInt8]
        let coding: PartTransferCoding
        /// Every name its Content-Disposition gives (`name`, and the RFC 2231 spellings).
        let names: [[UInt8]]
    }

    mutating func rewrite(_ bytes: [UInt8]) throws -> [UInt8]? {
        let delimiter = Array("--".utf8) + boundary
        guard let firstDelimiter = bytes.firstBytes(delimiter) else { throw Malformed() }
        var parts: [Part] = []
        var cursor = firstDelimiter.upperBound
        let separator = Array("\r\n".utf8) + delimiter
        while true {
            // After a delimiter: "--" closes the body, CRLF starts a part.
            if bytes[cursor...].starts(with: Array("--".utf8)) { break }
            guard bytes[cursor...].starts(with: Array("\r\n".utf8)) else { throw Malformed() }
            let partStart = cursor + 2
            guard let next = bytes[partStart...].firstBytes(separator) else { throw Malformed() }
            let part = bytes[partStart..<next.lowerBound]
            guard let blank = part.firstBytes(Array("\r\n\r\n".utf8)) else { throw Malformed() }
            let headers = bytes[partStart..<blank.lowerBound]
            let encodings = Self.headerValues("content-transfer-encoding", in: headers).map { $0.lowercased() }
            let sent = bytes[blank.upperBound..<next.lowerBound]
            guard let coding = PartTransferCoding(headerValues: encodings) else {
                throw Unreadable(encoding: encodings.first { PartTransferCoding(headerValues: [$0]) != .identity } ?? encodings[0])
            }
            guard let content = coding.decode(sent) else { throw Unreadable(encoding: encodings[0] + " that does not decode") }
            // Headers ended by a bare LF line, as some parsers end them, would start the content elsewhere.
            if coding != .identity, headers.firstBytes([0x0A, 0x0A]) != nil || headers.firstBytes([0x0A, 0x0D, 0x0A]) != nil {
                throw Malformed()
            }
            parts.append(Part(headers: headers, sent: sent, content: content, coding: coding, names: Self.fieldNames(headers)))
            cursor = next.upperBound
        }
        // What follows the closing delimiter is not forwarded once anything changed; a card in it changes it.
        var changed = bytes[(cursor + 2)...].withUnsafeBytes { PANDetector.containsPAN($0) }
        // Each part's field name is classified once: for the card context and for removal.
        let kinds = parts.map { part -> CardFieldNames.Kind in
            let kinds = part.names.map { CardFieldNames.kind($0[...]) }
            return kinds.contains(.securityCode) ? .securityCode : kinds.first { $0 != .other } ?? .other
        }
        var context = CardContext()
        for (part, kind) in zip(parts, kinds) { context.note(kind: kind, value: part.content) }
        var decodedContents: [[UInt8]] = []
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 64)
        // The preamble, each part's header lines (a file name may be a card number) and content are
        // scanned alike; a JSON part is read as JSON, so its security codes go too.
        func append(_ original: ArraySlice<UInt8>, _ replaced: [UInt8]?) {
            if let replaced {
                output.append(contentsOf: replaced)
                changed = true
            } else {
                output.append(contentsOf: original)
            }
        }
        let preamble = bytes[..<firstDelimiter.lowerBound]
        append(preamble, replacement.replacing(in: Array(preamble), context: context))
        for (part, kind) in zip(parts, kinds) {
            if kind == .securityCode {
                removed += 1
                changed = true
                continue
            }
            output.append(contentsOf: delimiter + Array("\r\n".utf8))
            append(part.headers, replacement.replacing(in: Array(part.headers), context: context))
            output.append(contentsOf: Array("\r\n\r\n".utf8))
            let rewritten = try rewriteContent(part, context: context)
            let encoded = rewritten.map(part.coding.encode)
            if part.coding != .identity {
                // Parsers that ignore the coding (most form parsers) read the part as it goes on: a card
                // number in its encoded text (`4111…` is valid base64) would pass untokenized.
                if (encoded ?? Array(part.sent)).withUnsafeBytes(PANDetector.containsPAN) { throw Malformed() }
                decodedContents.append(rewritten ?? part.content)
            }
            append(part.sent, encoded)
            output.append(contentsOf: Array("\r\n".utf8))
        }
        output.append(contentsOf: delimiter + Array("--\r\n".utf8))
        // What decoded parts go on with is read as the whole body was, before and after rewriting:
        // encoded data inside them, other digits, character references.
        try EncodedCardData.check(decodedContents, contentsLimit: contentsLimit)
        for content in decodedContents { try RequestTokenizer.refuseHiddenCardNumbers(in: content) }
        return changed ? output : nil
    }

    /// A part's content with its card numbers replaced (nil when unchanged); a JSON part by the JSON
    /// rules (security-code members removed), an XML part by the XML rules, anything else as text.
    private mutating func rewriteContent(_ part: Part, context: CardContext) throws -> [UInt8]? {
        let content = part.content
        // JSON by its type, or by its look when the type says nothing more specific.
        let type = Self.headerValues("content-type", in: part.headers).first
        if BodyKind(contentType: type) == .json || (type.map { $0.lowercased().hasPrefix("text/plain") } ?? true) && JSONText.looksLikeJSON(content) {
            var json = JSONRewriter(bytes: content, replacement: replacement)
            do {
                let rewritten = try json.rewrite()
                replacement = json.replacement
                removed += json.removed
                return rewritten
            } catch {
                // Not well-formed: scanned as text, unless it holds what only a JSON reading removes.
                if error is JSONRewriter.NestedTooDeep { throw error }
                if RequestTokenizer.holdsJSONOnlyCardData(content) { throw Malformed() }
            }
        }
        // Other parts as text or XML by their type: inline and XML security codes go too.
        var markup = MarkupRewriter(replacement: replacement)
        let kind = BodyKind(contentType: type)
        let rewritten = markup.rewrite(content, isXML: kind == .xml, inlineFields: kind == .text, context: context)
        replacement = markup.replacement
        removed += markup.removed
        return rewritten
    }

    /// The values of a part header (`name` lowercase), trimmed, every line that names it (lines end in
    /// CRLF or a bare LF).
    static func headerValues(_ name: String, in headers: ArraySlice<UInt8>) -> [String] {
        // A line folded onto the next (obsolete, but joined by Werkzeug and Go) is one line.
        var lines: [ArraySlice<UInt8>] = []
        for line in headers.split(whereSeparator: { $0 == 0x0A || $0 == 0x0D }) {
            if let first = line.first, first == 0x20 || first == 0x09, let last = lines.popLast() {
                lines.append((Array(last) + [0x20] + Array(line))[...])
            } else {
                lines.append(line)
            }
        }
        return lines.compactMap { line in
            let pair = String(decoding: line, as: UTF8.self).split(separator: ":", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { return nil }
            return pair[1].trimmingCharacters(in: .whitespaces)
        }
    }

    /// The field names of a part's Content-Disposition lines.
    static func fieldNames(_ headers: ArraySlice<UInt8>) -> [[UInt8]] {
        headerValues("content-disposition", in: headers).flatMap { DispositionNames.names(in: Array($0.utf8)) }
    }
}
