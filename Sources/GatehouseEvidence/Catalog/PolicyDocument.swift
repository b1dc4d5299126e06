import Foundation
import GatehouseCore

/// A written policy (Policies/<id>.md): Markdown with a front matter naming its version and the day
/// it took effect, which auditors check against the period.
public struct PolicyDocument: Sendable {
    public let id: String
    public let title: String
    public let version: String
    public let effective: CalendarDay
    public let owner: String
    public let bytes: [UInt8]

    /// Every `*.md` in `directory` except README.md, sorted by id.
    public static func loadAll(from directory: URL) throws(GatehouseError) -> [PolicyDocument] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw .environment("cannot read the policies folder \(directory.path); point --policies (or GATEHOUSE_POLICIES) at it")
        }
        var documents: [PolicyDocument] = []
        for name in names.sorted() where name.hasSuffix(".md") && name != "README.md" {
            let url = directory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw .environment("cannot read policy \(url.path)")
            }
            documents.append(try parse([UInt8](data), file: name))
        }
        return documents
    }

    static func parse(_ bytes: [UInt8], file: String) throws(GatehouseError) -> PolicyDocument {
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.first == "---", let close = lines.dropFirst().firstIndex(of: "---") else {
            throw .environment("policy \(file) has no front matter (a '---' block with id, title, version, effective, owner)")
        }
        var fields: [String: String] = [:]
        for line in lines[1..<close] where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw .environment("policy \(file): front matter line '\(line)' is not 'key: value'") }
            var value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            fields[String(line[..<colon])] = value
        }
        func field(_ name: String) throws(GatehouseError) -> String {
            guard let value = fields[name], !value.isEmpty else { throw .environment("policy \(file) has no '\(name)' in its front matter") }
            return value
        }
        let id = try field("id")
        guard file == "\(id).md" else { throw .environment("policy \(file) declares id '\(id)'; name the file \(id).md") }
        let effective: CalendarDay
        do { effective = try CalendarDay(parsing: try field("effective")) } catch {
            throw .environment("policy \(file): effective date: \(error.message)")
        }
        return PolicyDocument(
            id: id, title: try field("title"), version: try field("version"), effective: effective, owner: try field("owner"), bytes: bytes)
    }
}
