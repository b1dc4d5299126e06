import NIOHTTP1

/// The fields of a head the gateway writes (a proxied request or response), as a plain list. A
/// proxied head is rebuilt and encoded per request: kept as this list, it is not wrapped in
/// `HTTPHeaders` (an allocation and a check of every name) only to be read back field by field.
struct FieldList {
    var fields: [(name: String, value: String)]

    init(_ fields: [(name: String, value: String)] = []) {
        self.fields = fields
    }

    /// The gateway's own pages build `HTTPHeaders`; converted once, where they are written.
    init(_ headers: HTTPHeaders) {
        fields = headers.map { ($0.name, $0.value) }
    }

    var count: Int { fields.count }

    /// The first value of the field `lowercase` names, names compared but for ASCII case.
    func first(name lowercase: String) -> String? {
        fields.first { $0.name.equalsIgnoringASCIICase(lowercase) }?.value
    }

    func contains(name lowercase: String) -> Bool {
        fields.contains { $0.name.equalsIgnoringASCIICase(lowercase) }
    }

    mutating func remove(name lowercase: String) {
        fields.removeAll { $0.name.equalsIgnoringASCIICase(lowercase) }
    }

    /// Every field so named removed, then this one added at the end (as `HTTPHeaders` does).
    mutating func replaceOrAdd(name lowercase: String, value: String) {
        remove(name: lowercase)
        fields.append((lowercase, value))
    }
}
