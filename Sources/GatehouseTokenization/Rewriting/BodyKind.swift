/// How a request body is read for card numbers, from its Content-Type.
public enum BodyKind: Equatable, Sendable {
    case json
    case form
    case multipart(boundary: String)
    case xml
    /// Plain text, GraphQL, YAML, CSV, or a body without a type: scanned byte by byte, and read for
    /// security codes written inline (`cvv: 123`).
    case text
    /// Anything else (HTML, scripts, files): scanned byte by byte.
    case other

    public init(contentType: String?) {
        guard let contentType else {
            self = .text
            return
        }
        // The usual case, without splitting or lowercasing.
        if contentType == "application/json" || contentType == "application/json; charset=utf-8" {
            self = .json
            return
        }
        let parts = contentType.split(separator: ";")
        let mediaType = (parts.first ?? "").trimmingSpaces.lowercased()
        switch mediaType {
        case "application/x-www-form-urlencoded":
            self = .form
        case "text/plain", "text/csv", "application/graphql", "application/yaml", "application/x-yaml", "text/yaml":
            self = .text
        case "multipart/form-data":
            let boundary = parts.dropFirst().lazy.compactMap { parameter -> String? in
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0].trimmingSpaces.lowercased() == "boundary" else { return nil }
                var value = pair[1].trimmingSpaces
                if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                return value
            }.first
            self = boundary.map { .multipart(boundary: $0) } ?? .other
        default:
            if mediaType.hasSuffix("/json") || mediaType.hasSuffix("+json") {
                self = .json
            } else if mediaType.hasSuffix("/xml") || mediaType.hasSuffix("+xml") {
                self = .xml
            } else {
                self = .other
            }
        }
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
