/// Card data found in a request: the number and what travelled with it, for the tenant's card
/// processor. Held in memory only; `wipe()` overwrites it once the processor has answered.
public struct CardFinding: Sendable {
    public var pan: [UInt8]
    public var cvv: [UInt8]?
    public var expiry: String?

    public init(pan: [UInt8], cvv: [UInt8]?, expiry: String?) {
        self.pan = pan
        self.cvv = cvv
        self.expiry = expiry
    }

    public mutating func wipe() {
        for index in pan.indices { pan[index] = 0 }
        if cvv != nil { for index in cvv!.indices { cvv![index] = 0 } }
        pan = []
        cvv = nil
        expiry = nil
    }
}

/// What rewriting a request body produced.
public struct CardRewriteOutcome: Sendable {
    /// The rewritten bytes, or nil when nothing needed changing (forward the original).
    public var body: [UInt8]?
    public var tokenized: Int
    public var removedSecurityCodes: Int

    public init(body: [UInt8]?, tokenized: Int, removedSecurityCodes: Int) {
        self.body = body
        self.tokenized = tokenized
        self.removedSecurityCodes = removedSecurityCodes
    }
}

/// Why a body could not be rewritten; the request must not be forwarded.
public enum CardRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// It looks like it holds card data (a card number, an escaped digit, a security-code field) but is
    /// not well-formed, so it cannot be rewritten safely.
    case unparseable(kind: String)
    /// A part is encoded in a way the gateway does not read.
    case unreadable(encoding: String)
    /// The text is in a wide charset (UTF-16, UTF-32) the gateway does not read.
    case unreadableCharset(String)
    /// A card number is written with digits or spaces other than ASCII ones.
    case nonASCIIDigits
    /// A card number is spelled in character references (`&#52;`) where they cannot be rewritten.
    case characterReferences
    /// A card number inside encoded data (base64 text, a gzip or ZIP file), where a token cannot
    /// replace it.
    case encodedCardNumber(encoding: String)
    /// Compressed data the gateway cannot read through (an encrypted ZIP entry, another method);
    /// the text says what and what to do.
    case unscannableContents(String)
    /// Compressed data that expands past what the gateway reads for one request (`limitMiB`, or the
    /// smaller allowance of a request read on the event loop, which is then read again off it).
    case contentsTooLarge(limitMiB: Int)

    public var description: String {
        switch self {
        case .unparseable(let kind):
            "The \(kind) body appears to contain card data (a card number or security code) but is not well-formed, so it cannot be tokenized."
        case .unreadable(let encoding):
            "A multipart part uses Content-Transfer-Encoding \(encoding), which the gateway cannot scan for card numbers; "
                + "send the part unencoded (binary), or in valid base64 or quoted-printable."
        case .unreadableCharset(let charset):
            "The body is \(charset) text, which the gateway cannot scan for card numbers; send it as UTF-8."
        case .nonASCIIDigits:
            "The body holds a card number written with non-ASCII digits or spaces, which the gateway cannot tokenize; send card numbers with ASCII digits."
        case .characterReferences:
            "The body holds a card number written as character references (&#…;), which the gateway cannot tokenize in this content type; send card numbers as plain digits."
        case .encodedCardNumber(let encoding):
            "The request holds a card number inside \(encoding) data, where the gateway cannot replace it with a token; "
                + "send card numbers as plain text, which is tokenized, or leave them out."
        case .unscannableContents(let reason):
            reason
        case .contentsTooLarge(let limit):
            "The request holds compressed data that expands past \(limit) MiB, more than the gateway scans for card numbers "
                + "in one request; send it uncompressed or in smaller parts."
        }
    }
}

/// A tenant's own token for a card number (deterministic, irreversible without the tenant's key).
public protocol CardTokenSource: Sendable {
    func token(for pan: [UInt8]) -> String
}

/// Masks card numbers in a response streamed in chunks.
public protocol CardResponseMasking: Sendable {
    /// Whether `chunk` can go on as it is, uncopied: nothing is held back before it, it holds no
    /// card number and does not end in digits the next chunk could continue. Otherwise call `process`.
    mutating func passesUnchanged(_ chunk: UnsafeRawBufferPointer) -> Bool
    /// The bytes that are final: all of `chunk` but a possibly unfinished number at its end.
    mutating func process(_ chunk: UnsafeRawBufferPointer) -> [UInt8]
    /// The held-back tail at the end of the stream.
    mutating func finish() -> [UInt8]
}

/// The card handling the protocol servers need (detection, rewriting, masking), implemented by
/// GatehouseTokenization and handed over by GatehouseApp, so the gateway meets it only here.
public protocol CardProtection: Sendable {
    /// A query string (without '?'), rewritten like a form; nil when unchanged.
    func rewriteQuery(_ query: Substring, tokenFor: @escaping (CardFinding) -> String) -> (query: String?, tokenized: Int, removed: Int)
    /// A URL path (before any '?'), each segment percent-decoded and scanned; nil when unchanged.
    func rewritePath(_ path: Substring, tokenFor: @escaping (CardFinding) -> String) -> (path: String?, tokenized: Int)
    /// A URL path for logs and audit records: card numbers in its segments (percent escapes decoded)
    /// masked to the BIN and last four; nil when it has none.
    func maskPath(_ path: Substring) -> String?
    /// Whether a request header field is named as a security code (`CVV`, `X-Card-CVC`): such a field
    /// is not forwarded.
    func isSecurityCodeField(_ name: String) -> Bool
    /// A `Cookie` value without the cookies named as security codes (empty when none is left), and how
    /// many went; nil when it has none.
    func removingSecurityCodeCookies(_ cookie: String) -> (cookie: String, removed: Int)?
    /// A header value with its card numbers replaced; nil when it has none.
    func rewriteHeaderValue(_ value: String, tokenFor: @escaping (CardFinding) -> String) -> String?
    /// A decoded request body, read as its Content-Type says. `withContext`: findings carry the
    /// security code and expiry that travelled with each card (for a card processor).
    /// `contentsLimit`: at most this much data decompressed from it (nil: what its size allows).
    func rewriteBody(
        _ body: [UInt8], contentType: String?, withContext: Bool, contentsLimit: Int?, tokenFor: @escaping (CardFinding) -> String
    ) throws(CardRefusal) -> CardRewriteOutcome
    /// Refuses a request whose parts (its target, header values) hold a card number in encoded
    /// data: base64 text or compressed data, which a token cannot replace in place.
    /// `contentsLimit`: at most this much decompressed data (nil: what the request's size allows).
    func refuseEncodedCards(in parts: [String], contentsLimit: Int?) throws(CardRefusal)
    /// Text for display with every card number masked to the BIN and last four.
    func masked(_ text: String) -> String
    /// A fresh masker for one response; `html` for a page a browser lays out (white space between
    /// digits shows as one space).
    func responseMasker(html: Bool) -> any CardResponseMasking
    func containsCard(_ text: String) -> Bool
}
