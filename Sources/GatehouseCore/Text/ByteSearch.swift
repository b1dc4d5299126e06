extension String.UTF8View {
    /// Plain byte search; Foundation's `contains` goes through locale-aware comparison.
    public func containsBytes(_ needle: String.UTF8View) -> Bool {
        guard let first = needle.first, count >= needle.count else { return needle.isEmpty }
        var index = startIndex
        while let found = self[index...].firstIndex(of: first) {
            if self[found...].starts(with: needle) { return true }
            index = self.index(after: found)
        }
        return false
    }
}
