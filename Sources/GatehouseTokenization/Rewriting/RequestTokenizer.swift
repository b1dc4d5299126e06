import GatehouseCore

/// Replaces card numbers in a request before it leaves the gateway, and drops security codes.
/// Pure: the caller decodes transfer and content codings first and decides what a token is
/// (`tokenFor`: the tenant's own token, or the card processor's).
public struct RequestTokenizer: Sendable {
    public typealias Outcome = CardRewriteOutcome
    public typealias Refusal = CardRefusal

    public init() {}

    /// `withContext`: findings carry the security code and expiry that travelled with each card
    /// (for a card processor); without it JSON is rewritten in one pass, without a document tree.
    /// `contentsLimit`: at most this much decompressed data in a multipart body's decoded parts.
    public func rewriteBody(
        _ body: [UInt8], kind: BodyKind, withContext: Bool = true, contentsLimit: Int? = nil, tokenFor: @escaping (CardFinding) -> String
    ) throws(Refusal) -> Outcome {
        // A UTF-8 byte-order mark (some Windows clients send one) is kept, and what follows is read
        // (once: a second mark is text).
        if body.count >= 3, body[0] == 0xEF, body[1] == 0xBB, body[2] == 0xBF {
            let outcome = try rewriteUnmarkedBody(
                Array(body[3...]), kind: kind, withContext: withContext, contentsLimit: contentsLimit, tokenFor: tokenFor)
            return Outcome(body: outcome.body.map { body[..<3] + $0 }, tokenized: outcome.tokenized, removedSecurityCodes: outcome.removedSecurityCodes)
        }
        return try rewriteUnmarkedBody(body, kind: kind, withContext: withContext, contentsLimit: contentsLimit, tokenFor: tokenFor)
    }

    private func rewriteUnmarkedBody(
        _ body: [UInt8], kind: BodyKind, withContext: Bool, contentsLimit: Int?, tokenFor: @escaping (CardFinding) -> String
    ) throws(Refusal) -> Outcome {
        let replacement = TokenReplacement(tokenFor: tokenFor)
        switch kind {
        case .json:
            if let outcome = try Self.rewriteJSONOrLines(body, withContext: withContext, replacement: replacement) { return outcome }
            return try fallback(body, kind: "JSON", tokenFor: tokenFor)
        case .form:
            var rewriter = FormRewriter(replacement: replacement)
            let output = rewriter.rewrite(body)
            if rewriter.replacement.embeddedTooDeep { throw .unparseable(kind: "form") }
            return Outcome(body: output, tokenized: rewriter.replacement.tokenized, removedSecurityCodes: rewriter.removed)
        case .multipart(let boundary):
            var rewriter = MultipartRewriter(boundary: Array(boundary.utf8), replacement: replacement, contentsLimit: contentsLimit)
            do {
                let output = try rewriter.rewrite(body)
                return Outcome(body: output, tokenized: rewriter.replacement.tokenized, removedSecurityCodes: rewriter.removed)
            } catch let refusal as CardRefusal {
                throw refusal
            } catch let unreadable as MultipartRewriter.Unreadable {
                throw .unreadable(encoding: unreadable.encoding)
            } catch is JSONRewriter.NestedTooDeep {
                throw .unparseable(kind: "multipart")
            } catch {
                return try fallback(body, kind: "multipart", tokenFor: tokenFor)
            }
        case .other where JSONText.looksLikeJSON(body), .text where JSONText.looksLikeJSON(body):
            // JSON sent as text or without a type (or JSON lines): read as JSON, so security codes go too.
            if let outcome = try Self.rewriteJSONOrLines(body, withContext: withContext, replacement: replacement) { return outcome }
            if Self.holdsJSONOnlyCardData(body) { throw .unparseable(kind: "JSON") }
            fallthrough
        case .xml, .text, .other:
            var rewriter = MarkupRewriter(replacement: replacement)
            let output = rewriter.rewrite(body, isXML: kind == .xml, inlineFields: kind == .text)
            return Outcome(body: output, tokenized: rewriter.replacement.tokenized, removedSecurityCodes: rewriter.removed)
        }
    }

    /// One JSON document or, failing that, JSON lines (a bulk upload sent as application/json); nil when
    /// the body is neither. Documents nested in strings too deep to read refuse the request.
    private static func rewriteJSONOrLines(_ body: [UInt8], withContext: Bool, replacement: TokenReplacement) throws(Refusal) -> Outcome? {
        for read in [rewriteJSON, rewriteJSONLines] {
            do {
                return try read(body, withContext, replacement)
            } catch is JSONRewriter.NestedTooDeep {
                throw .unparseable(kind: "JSON")
            } catch {}
        }
        return nil
    }

    /// A body that does not parse as it claims: refused if it may hold card data the rewriter would have
    /// removed (a card number, a digit hidden in a `\u` escape, a quoted security-code field name, for
    /// multipart a part in a transfer encoding),
    /// else left as it is for the application to answer.
    private func fallback(_ body: [UInt8], kind: String, tokenFor: @escaping (CardFinding) -> String) throws(Refusal) -> Outcome {
        if body.withUnsafeBytes({ PANDetector.containsPAN($0) }) || Self.holdsJSONOnlyCardData(body) {
            throw .unparseable(kind: kind)
        }
        // A part in a transfer encoding could hide anything; in a body that does not parse it is not checked.
        if kind == "multipart", body.map(\.asciiLowercased).firstBytes(Array("content-transfer-encoding".utf8)) != nil {
            throw .unparseable(kind: kind)
        }
        return Outcome(body: nil, tokenized: 0, removedSecurityCodes: 0)
    }

    /// Anything the rewriters would have changed: a card number (in any digits), an escaped digit, a quoted
    /// security-code name, or a security-code field (`cvv=`, `cvv:`).
    static func mayHoldCardData(_ text: [UInt8]) -> Bool {
        if text.withUnsafeBytes({ PANDetector.containsPAN($0) }) || holdsJSONOnlyCardData(text) || UnicodeDigits.holdCardNumber(text) {
            return true
        }
        // Unquoted names before '=' or ':' (forms, YAML-like text).
        let words = text.split { !InlineSecurityCodes.isWordByte($0) }
        return words.contains { word in
            guard CardFieldNames.kind(word) == .securityCode, let after = text[word.endIndex...].first(where: { $0 != 0x20 }) else { return false }
            return after == UInt8(ascii: "=") || after == UInt8(ascii: ":")
        }
    }

    /// What only a JSON reading would have removed: a digit in a `\u` escape or a quoted security-code
    /// name. Text that holds one but does not parse as JSON cannot be made safe.
    static func holdsJSONOnlyCardData(_ text: [UInt8]) -> Bool {
        hasEscapedDigit(text) || hasQuotedSecurityCodeName(text)
    }

    /// `\u0030`…`\u0039`: a digit a lenient parser would decode.
    static func hasEscapedDigit(_ body: [UInt8]) -> Bool {
        guard body.count >= 6 else { return false }
        for index in 0...(body.count - 6) where body[index] == UInt8(ascii: "\\") && body[index + 1] | 0x20 == UInt8(ascii: "u")
            && body[index + 2] == UInt8(ascii: "0") && body[index + 3] == UInt8(ascii: "0") && body[index + 4] == UInt8(ascii: "3")
            && body[index + 5] &- 0x30 <= 9
        {
            return true
        }
        return false
    }

    /// A double-quoted name that is a security-code field (`"cvv"`, `"security_code"`, `name="CVC2"`).
    static func hasQuotedSecurityCodeName(_ body: [UInt8]) -> Bool {
        var open: Int?
        for (index, byte) in body.enumerated() where byte == UInt8(ascii: "\"") {
            if let start = open, CardFieldNames.kind(body[start + 1..<index]) == .securityCode { return true }
            open = index
        }
        return false
    }

    /// A query string (without '?'), rewritten like a form; nil when unchanged.
    public func rewriteQuery(_ query: Substring, tokenFor: @escaping (CardFinding) -> String) -> (query: String?, tokenized: Int, removed: Int) {
        var rewriter = FormRewriter(replacement: TokenReplacement(tokenFor: tokenFor))
        let output = rewriter.rewrite(Array(query.utf8))
        return (output.map { String(decoding: $0, as: UTF8.self) }, rewriter.replacement.tokenized, rewriter.removed)
    }

    /// A URL path (before any '?'): a card number in a segment (`/customers/4111…/charge`, or spelled
    /// with percent escapes) becomes its token. Only segments that held one are re-encoded; the rest,
    /// escapes included, stay byte for byte. '+' is a plus in a path, not a space.
    public func rewritePath(_ path: Substring, tokenFor: @escaping (CardFinding) -> String) -> (path: String?, tokenized: Int) {
        var replacement = TokenReplacement(tokenFor: tokenFor)
        let rewritten = Self.rewritingSegments(of: path) { replacement.replacing(in: $0, context: CardContext()) }
        return (rewritten, replacement.tokenized)
    }

    public func maskPath(_ path: Substring) -> String? {
        Self.rewritingSegments(of: path) { segment in
            var masked = segment
            return masked.withUnsafeMutableBytes { PANMasking.mask($0) } > 0 ? masked : nil
        }
    }

    /// The path with each segment that `transform` changes (given it percent-decoded) re-encoded; nil
    /// when no segment changed.
    private static func rewritingSegments(of path: Substring, _ transform: ([UInt8]) -> [UInt8]?) -> String? {
        var output: [UInt8] = []
        var changed = false
        for (index, segment) in Array(path.utf8).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).enumerated() {
            if index > 0 { output.append(UInt8(ascii: "/")) }
            if let replaced = transform(Percent.decode(segment, plusIsSpace: false)) {
                Percent.encode(replaced, into: &output, inPath: true)
                changed = true
            } else {
                output.append(contentsOf: segment)
            }
        }
        return changed ? String(decoding: output, as: UTF8.self) : nil
    }

    /// A header value with its card numbers replaced; nil when it has none.
    public func rewriteHeaderValue(_ value: String, tokenFor: @escaping (CardFinding) -> String) -> String? {
        var replacement = TokenReplacement(tokenFor: tokenFor)
        return replacement.replacing(in: Array(value.utf8), context: CardContext()).map { String(decoding: $0, as: UTF8.self) }
    }
}

extension RequestTokenizer: CardProtection {
    public func rewriteBody(
        _ body: [UInt8], contentType: String?, withContext: Bool, contentsLimit: Int? = nil, tokenFor: @escaping (CardFinding) -> String
    ) throws(CardRefusal) -> CardRewriteOutcome {
        let kind = BodyKind(contentType: contentType)
        // Encoded data is checked before anything is rewritten (a card processor sees no card of a
        // request that is refused), except in a multipart body, whose base64 parts are read decoded
        // and tokenized: there what would go on is checked again once rewritten (and a processor may
        // have seen the request's cards by then).
        var checkForwarded = false
        do {
            try EncodedCardData.check(body, contentsLimit: contentsLimit)
        } catch .encodedCardNumber(let encoding) {
            guard case .multipart = kind, encoding == "base64" else { throw .encodedCardNumber(encoding: encoding) }
            checkForwarded = true
        }
        if let charset = WideText.charset(of: body, contentType: contentType, kind: kind) {
            // Read as text: with card data it is refused (it cannot be rewritten in place), else it goes on as it is.
            // Read as its bytes too: an application that ignores the charset reads ASCII.
            guard let text = WideText.decode(body, charset: charset), !Self.mayHoldCardData(Array(text.utf8)), !Self.mayHoldCardData(body) else {
                throw .unreadableCharset(charset)
            }
            // (The encoded card number found above is still there.)
            if checkForwarded { throw .encodedCardNumber(encoding: "base64") }
            return Outcome(body: nil, tokenized: 0, removedSecurityCodes: 0)
        }
        let outcome = try rewriteBody(body, kind: kind, withContext: withContext, contentsLimit: contentsLimit, tokenFor: tokenFor)
        let forwarded = outcome.body ?? body
        if checkForwarded { try EncodedCardData.check(forwarded, contentsLimit: contentsLimit) }
        try Self.refuseHiddenCardNumbers(in: forwarded)
        return outcome
    }

    /// What would go on, read with other digits and spaces as ASCII, or with character references
    /// decoded (as a page showing it would), holds no card number.
    static func refuseHiddenCardNumbers(in forwarded: [UInt8]) throws(CardRefusal) {
        if UnicodeDigits.holdCardNumber(forwarded) { throw .nonASCIIDigits }
        if let decoded = CharacterReferences.decodingCardCharacters(forwarded), MarkupRewriter.holdsCardNumber(decoded) {
            throw .characterReferences
        }
    }

    public func refuseEncodedCards(in parts: [String], contentsLimit: Int? = nil) throws(CardRefusal) {
        try EncodedCardData.check(parts, contentsLimit: contentsLimit)
    }

    public func isSecurityCodeField(_ name: String) -> Bool { CardFieldNames.isSecurityCodeHeader(name) }

    public func removingSecurityCodeCookies(_ cookie: String) -> (cookie: String, removed: Int)? {
        CardFieldNames.removingSecurityCodeCookies(cookie)
    }

    public func responseMasker(html: Bool) -> any CardResponseMasking { StreamingPANMasker(html: html) }

    public func masked(_ text: String) -> String { PANMasking.masked(text) }

    public func containsCard(_ text: String) -> Bool { PANDetector.containsPAN(text) }
}
