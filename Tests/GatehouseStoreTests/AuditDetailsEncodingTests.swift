import Foundation
import Testing

@testable import GatehouseStore

/// The direct details encoding writes exactly what JSONEncoder writes, so logs written before it
/// still verify.
struct AuditDetailsEncodingTests {
    @Test(arguments: [
        [:], ["a": "b"], ["z": "1", "A": "2", "_b": "", "a10": "x", "a9": "y"], ["quote": "say \"hi\" \\ back/slash"],
        ["ctl": "line\nbreak"], ["accent": "Montréal"], ["path": "/a/b?c=d&e=f"],
    ] as [[String: String]])
    func matchesJSONEncoder(_ details: [String: String]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(try AuditLog.detailsJSON(details) == String(decoding: try encoder.encode(details), as: UTF8.self))
    }
}
