/// Replaces card numbers in a request before it leaves the gateway, and drops security codes.
/// Pure: the caller decodes transfer and content codings first and decides what a token is
/// (`tokenFor`: the tenant's own token, or the card processor's).
public struct RequestTokenizer: Sendable {
    public struct Outcome: Sendable {
        /// The rewritten bytes, or nil when nothing needed changing (forward the original).
        public var body: [UInt8]?
        public var tokenized: Int
        public var removedSecurityCodes: Int
    }

    /// Why a body could not be rewritten; the request must not be forwarded.
    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        /// It looks like it holds a card number but is not well-formed, so it cannot be rewritten safely.
        case unparseable(kind: String)
        /// A part is encoded in a way the gateway does not read.
        case unreadable(encoding: String)

        public var description: String {
            switch self {
            case .unparseable(let kind):
                "The \(kind) body appears to contain a card number but is not well-formed, so it cannot be tokenized."
            case .unreadable(let encoding):
                "A multipart part uses Content-Transfer-Encoding \(encoding), which the gateway cannot scan for card numbers."
            }
        }
    }

    public init() {}

    /// `withContext`: findings carry the security code and expiry that travelled with each card
    /// (for a card processor); without it JSON is rewritten in one pass, without a document tree.
    public func rewriteBody(
        _ body: [UInt8], kind: BodyKind, withContext: Bool = true, tokenFor: @escaping (CardFinding) -> String
    ) throws(Refusal) -> Outcome {
        let replacement = TokenReplacement(tokenFor: tokenFor)
        switch kind {
        case .json where !withContext:
            var rewriter = JSONStreamRewriter(bytes: body, replacement: replacement)
            do {
                let output = try rewriter.rewrite()
                return Outcome(body: output, tokenized: rewriter.replacement.tokenized, removedSecurityCodes: rewriter.removed)
            } catch {
                return try fallback(body, kind: "JSON", tokenFor: tokenFor)
            }
        case .json:
            var rewriter = JSONRewriter(bytes: body, replacement: replacement)
            do {
                let output = try rewriter.rewrite()
                return Outcome(body: output, tokenized: rewriter.replacement.tokenized, removedSecurityCodes: rewriter.removed)
            } catch {
                return try fallback(body, kind: "JSON", tokenFor: tokenFor)
            }
        case .form:
            var rewriter = FormRewriter(replacement: replacement)
            let output = rewriter.rewrite(body)
            return Outcome(body: output, tokenized: rewriter.replacement.tokenized, removedSecurityCodes: rewriter.removed)
        case .multipart(let boundary):
            var rewriter = MultipartRewriter(boundary: Array(boundary.utf8), replacement: replacement)
            do {
                let output = try rewriter.rewrite(body)
                return Outcome(body: output, tokenized: rewriter.replacement.tokenized, removedSecurityCodes: rewriter.removed)
            } catch let unreadable as MultipartRewriter.Unreadable {
                throw .unreadable(encoding: unreadable.encoding)
            } catch {
                return try fallback(body, kind: "multipart", tokenFor: tokenFor)
            }
        case .xml, .other:
            var rewriter = MarkupRewriter(replacement: replacement)
            let output = rewriter.rewrite(body, isXML: kind == .xml)
            return Outcome(body: output, tokenized: rewriter.replacement.tokenized, removedSecurityCodes: rewriter.removed)
        }
    }

    /// A body that does not parse as it claims: refused if it holds a card number, else left as it is.
    private func fallback(_ body: [UInt8], kind: String, tokenFor: @escaping (CardFinding) -> String) throws(Refusal) -> Outcome {
        if body.withUnsafeBytes({ PANDetector.containsPAN($0) }) { throw .unparseable(kind: kind) }
        return Outcome(body: nil, tokenized: 0, removedSecurityCodes: 0)
    }

    /// A query string (without '?'), rewritten like a form; nil when unchanged.
    public func rewriteQuery(_ query: Substring, tokenFor: @escaping (CardFinding) -> String) -> (query: String?, tokenized: Int, removed: Int) {
        var rewriter = FormRewriter(replacement: TokenReplacement(tokenFor: tokenFor))
        let output = rewriter.rewrite(Array(query.utf8))
        return (output.map { String(decoding: $0, as: UTF8.self) }, rewriter.replacement.tokenized, rewriter.removed)
    }

    /// A header value with its card numbers replaced; nil when it has none.
    public func rewriteHeaderValue(_ value: String, tokenFor: @escaping (CardFinding) -> String) -> String? {
        var replacement = TokenReplacement(tokenFor: tokenFor)
        return replacement.replacing(in: Array(value.utf8), context: CardContext()).map { String(decoding: $0, as: UTF8.self) }
    }
}
