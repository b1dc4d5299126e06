import Foundation
import GatehouseCore
import NIOCore
import NIOHTTP1

/// Everything of one request a card number can travel in (query, header values, body), rewritten
/// together so the card processor sees each card once and the upstream sees only tokens.
struct CardRewrite {
    var target: String
    var headers: HTTPHeaders
    /// Whether a header value held a card number (`headers` then differs from the request's).
    var headersChanged = false
    /// The body as forwarded (decoded, rewritten); nil when the original bytes go on unchanged.
    var body: ByteBuffer?
    var tokenized = 0
    var removedSecurityCodes = 0

    static func run(
        cards: any CardProtection, target: String, headers: HTTPHeaders, body: ByteBuffer?, bodyWasDecoded: Bool,
        withContext: Bool, contentsLimit: Int? = nil, tokenFor: @escaping (CardFinding) -> String
    ) throws(CardRefusal) -> CardRewrite {
        var result = CardRewrite(target: target, headers: headers, body: bodyWasDecoded ? body : nil)
        // One pass over the fields (each read from `HTTPHeaders` is a copy): the values to check for
        // encoded card data, and whether any field must be rewritten below.
        var values = [target]
        var fieldsNeedRewriting = false
        values.reserveCapacity(headers.count + 1)
        for (name, value) in headers where !Self.neverForwarded(name) {
            values.append(value)
            if !fieldsNeedRewriting {
                // Names too: a field name may carry a card number (tokens are letters, digits and '_', which a
                // field name may hold), or name a security code (`CVV: 123`), which goes with its value, as
                // does a cookie so named.
                fieldsNeedRewriting = Self.mayHoldCard(name) || Self.mayHoldCard(value) || Self.mayHoldEncodedCard(value)
                    || cards.isSecurityCodeField(name) || (Self.isCookie(name) && cards.removingSecurityCodeCookies(value) != nil)
            }
        }
        // Card numbers in base64 text or compressed data cannot be tokenized where they are: refused.
        try cards.refuseEncodedCards(in: values, contentsLimit: contentsLimit)
        let question = target.utf8.firstIndex(of: UInt8(ascii: "?"))
        // The path too: `/customers/4111…/charge`, or the same digits as percent escapes.
        var path = target[..<(question ?? target.endIndex)]
        var query = question.map { target[target.index(after: $0)...] }
        if Self.mayHoldCard(inPath: path) {
            let rewritten = cards.rewritePath(path, tokenFor: tokenFor)
            if let newPath = rewritten.path { path = newPath[...] }
            result.tokenized += rewritten.tokenized
        }
        if let original = query {
            let rewritten = cards.rewriteQuery(original, tokenFor: tokenFor)
            if let newQuery = rewritten.query { query = newQuery[...] }
            result.tokenized += rewritten.tokenized
            result.removedSecurityCodes += rewritten.removed
        }
        if result.tokenized > 0 || result.removedSecurityCodes > 0 { result.target = String(path) + (query.map { "?" + $0 } ?? "") }
        if fieldsNeedRewriting {
            let tokenizedBefore = result.tokenized, removedBefore = result.removedSecurityCodes
            var rewrittenHeaders = HTTPHeaders()
            for (name, value) in headers {
                var name = name, value = value
                if Self.neverForwarded(name) {
                    rewrittenHeaders.add(name: name, value: value)
                    continue
                }
                if cards.isSecurityCodeField(name) {
                    result.removedSecurityCodes += 1
                    continue
                }
                if Self.isCookie(name), let kept = cards.removingSecurityCodeCookies(value) {
                    result.removedSecurityCodes += kept.removed
                    if kept.cookie.isEmpty { continue }
                    value = kept.cookie
                }
                if Self.mayHoldCard(name), let replaced = cards.rewriteHeaderValue(name, tokenFor: tokenFor) {
                    name = replaced
                    result.tokenized += 1
                }
                if Self.mayHoldCard(value), let replaced = cards.rewriteHeaderValue(value, tokenFor: tokenFor) {
                    value = replaced
                    result.tokenized += 1
                }
                if Self.mayHoldEncodedCard(value) {
                    let rewritten = rewriteEncoded(value, cards: cards, tokenFor: tokenFor)
                    result.tokenized += rewritten.tokenized
                    let candidate = rewritten.value ?? value
                    // A card number the URL and form readings could not place: the field is not forwarded.
                    if cards.containsCard(Self.decoded(candidate)) {
                        result.tokenized += 1
                        continue
                    }
                    value = candidate
                }
                rewrittenHeaders.add(name: name, value: value)
            }
            result.headers = rewrittenHeaders
            result.headersChanged = result.tokenized > tokenizedBefore || result.removedSecurityCodes > removedBefore
        }
        if let body, body.readableBytes > 0 {
            let bytes = body.getBytes(at: body.readerIndex, length: body.readableBytes) ?? []
            let outcome = try cards.rewriteBody(
                bytes, contentType: headers.first(name: "content-type"), withContext: withContext, contentsLimit: contentsLimit,
                tokenFor: tokenFor)
            if let rewritten = outcome.body { result.body = ByteBuffer(bytes: rewritten) }
            result.tokenized += outcome.tokenized
            result.removedSecurityCodes += outcome.removedSecurityCodes
        }
        return result
    }

    /// Credentials: read by the gateway, removed before the request goes on (`HeaderRewriting`), so
    /// not scanned. A Bearer token is long and would be read for every request.
    static func neverForwarded(_ name: String) -> Bool {
        name.utf8.count == 13 && name.equalsIgnoringASCIICase("authorization")
    }

    static func isCookie(_ name: String) -> Bool {
        name.utf8.count == 6 && name.equalsIgnoringASCIICase("cookie")
    }

    /// A path may hold a card number: as a digit run, or spelled in percent escapes.
    static func mayHoldCard(inPath path: some StringProtocol) -> Bool {
        path.utf8.contains(UInt8(ascii: "%")) || mayHoldCard(path)
    }

    /// A field value with a card number spelled in percent escapes or with '+' for spaces: a Referer that
    /// carries a search (`?q=4111+1111+…`), an encoded cookie.
    static func mayHoldEncodedCard(_ value: String) -> Bool {
        // A card number is 13 digits at least: escaped or not, the value is longer than that.
        guard value.utf8.count >= 13, value.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return false }
        return mayHoldCard(decoded(value))
    }

    /// Percent escapes decoded and '+' read as a space (malformed escapes kept, the rest decoded).
    static func decoded(_ value: String) -> String {
        String(decoding: PercentDecoding.decode(value.utf8, plusIsSpace: true), as: UTF8.self)
    }

    /// An encoded value rewritten as a URL (its path and query) or, failing that, as form pairs.
    private static func rewriteEncoded(
        _ value: String, cards: any CardProtection, tokenFor: @escaping (CardFinding) -> String
    ) -> (value: String?, tokenized: Int) {
        if var url = URLComponents(string: value), url.scheme != nil {
            var tokenized = 0
            let path = cards.rewritePath(url.percentEncodedPath[...], tokenFor: tokenFor)
            if let newPath = path.path { url.percentEncodedPath = newPath }
            tokenized += path.tokenized
            if let query = url.percentEncodedQuery {
                let rewritten = cards.rewriteQuery(query[...], tokenFor: tokenFor)
                if let newQuery = rewritten.query { url.percentEncodedQuery = newQuery }
                tokenized += rewritten.tokenized + rewritten.removed
            }
            url.percentEncodedFragment = nil
            return (url.string, tokenized)
        }
        let rewritten = cards.rewriteQuery(value[...], tokenFor: tokenFor)
        return (rewritten.query, rewritten.tokenized + rewritten.removed)
    }

    /// Cheap pre-check: a card number is 13 digits or more in a row, single spaces or dashes allowed
    /// between them; an ASCII header value without such a run cannot hold one.
    static func mayHoldCard(_ value: some StringProtocol) -> Bool {
        let utf8 = value.utf8
        guard utf8.count >= 13 else { return false }
        return utf8.withContiguousStorageIfAvailable { mayHoldCard(bytes: $0) } ?? mayHoldCard(bytes: Array(utf8))
    }

    private static func mayHoldCard(bytes: some Sequence<UInt8>) -> Bool {
        var digits = 0
        var separated = false
        for byte in bytes {
            // Other digits and spaces (full-width, zero-width) are read by the rewriters, not here.
            if byte >= 0x80 { return true }
            if byte &- 0x30 <= 9 {
                digits += 1
                separated = false
                if digits >= 13 { return true }
            } else if (byte == 0x20 || byte == 0x2D) && digits > 0 && !separated {
                separated = true
            } else {
                digits = 0
                separated = false
            }
        }
        return false
    }
}
