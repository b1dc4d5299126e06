import GatehouseCore

/// A population held in memory for the rules (only the small ones are): columns and rows.
struct PopulationRows: Sendable {
    let collector: EvidenceCollector
    let columns: [String]
    var rows: [[String]] = []

    init(collector: EvidenceCollector, columns: [String]) {
        self.collector = collector
        self.columns = columns
    }

    /// Rows as dictionaries by column, with their 1-based row number in the CSV (after the header).
    var records: [(number: Int, fields: [String: String])] {
        rows.enumerated().map { index, row in
            (index + 1, Dictionary(uniqueKeysWithValues: zip(columns, row)))
        }
    }

    var file: String { "evidence/\(collector.rawValue).csv" }

    func reference(_ number: Int, _ what: String) -> String { "\(file) row \(number): \(what)" }
}
