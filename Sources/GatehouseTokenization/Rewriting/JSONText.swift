import GatehouseCore

/// JSON however it arrives: a document, a document sent as text or without a type, or JSON lines
/// (NDJSON), each read by the JSON rules.
enum JSONText {
    /// The first byte after white space opens an object or an array.
    static func looksLikeJSON(_ body: [UInt8]) -> Bool {
        body.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }.map { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "[") } ?? false
    }
}

extension RequestTokenizer {
    /// One JSON document, in one pass or (`withContext`, for a card processor) through a tree.
    static func rewriteJSON(_ body: [UInt8], withContext: Bool, replacement: TokenReplacement) throws -> CardRewriteOutcome {
        if withContext {
            var rewriter = JSONRewriter(bytes: body, replacement: replacement)
            let output = try rewriter.rewrite()
            return CardRewriteOutcome(body: output, tokenized: rewriter.replacement.tokenized, removedSecurityCodes: rewriter.removed)
        }
        var rewriter = JSONStreamRewriter(bytes: body, replacement: replacement)
        let output = try rewriter.rewrite()
        return CardRewriteOutcome(body: output, tokenized: rewriter.replacement.tokenized, removedSecurityCodes: rewriter.removed)
    }

    /// JSON lines: every line that is not blank must be a document; lines without a change are copied.
    static func rewriteJSONLines(_ body: [UInt8], withContext: Bool, replacement: TokenReplacement) throws -> CardRewriteOutcome {
        var output: [UInt8] = []
        output.reserveCapacity(body.count + 64)
        var tokenized = 0, removed = 0
        for (index, line) in body.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            if index > 0 { output.append(0x0A) }
            guard line.contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) else {
                output.append(contentsOf: line)
                continue
            }
            let outcome = try rewriteJSON(Array(line), withContext: withContext, replacement: replacement)
            output.append(contentsOf: outcome.body ?? Array(line))
            tokenized += outcome.tokenized
            removed += outcome.removedSecurityCodes
        }
        return CardRewriteOutcome(body: tokenized + removed > 0 ? output : nil, tokenized: tokenized, removedSecurityCodes: removed)
    }
}
