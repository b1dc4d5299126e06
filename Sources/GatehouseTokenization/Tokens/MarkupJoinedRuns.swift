extension SpelledPANMasking {
    /// A run of card characters joined by inline markup, and whether it may be a card number: 13 digits
    /// or more, a digit spelled otherwise (read whole by the slow path), or, with open ends, a run that
    /// reaches the edge of the bytes (the chunk beside it may go on with it). Dates and amounts in
    /// inline elements (`<i>2026</i>-<i>11</i>`) may not, so such a page goes on uncopied.
    struct JoinedRun {
        var mayBeCard: Bool
        /// Where the run ends: the '<'s before it need not be read again.
        var end: Int
    }

    /// The fewest digits a card number has.
    private static let shortestCard = 13

    /// The run that the inline markup at the '<' at `index` (with any white space before it) joins, if
    /// it joins card characters; on a page (`html`), also the run that white space at `index` joins.
    static func markupJoinedRun(_ bytes: UnsafeRawBufferPointer, at index: Int, openEnds: Bool, html: Bool) -> JoinedRun? {
        if bytes[index] == UInt8(ascii: "<") {
            guard case .inline = InlineMarkup.tag(in: bytes, at: index) else { return nil }
        } else {
            guard html else { return nil }
        }
        // A gap after a card character starts right after it, with '<' or white space; a '<' after a
        // tag's '>' is inside a gap already read from its start.
        var start = index
        while start > 0, index - start < InlineMarkup.longestGap, InlineMarkup.isSpace(bytes[start - 1]) { start -= 1 }
        if start > 0 {
            let before = bytes[start - 1]
            guard before == UInt8(ascii: "-") || before == UInt8(ascii: "+") || endsWithCardCharacter(bytes, before: start) else { return nil }
        } else if !openEnds {
            return nil
        }
        guard let gap = InlineMarkup.gap(in: bytes, from: start, html: html), gap.end > index else { return nil }
        var digits = 0
        // Back from the gap over digits, separators and more gaps, then on from it.
        var cursor = start
        while cursor > 0, digits < shortestCard {
            let byte = bytes[cursor - 1]
            if byte &- 0x30 <= 9 {
                digits += 1
                cursor -= 1
                continue
            }
            if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") {
                cursor -= 1
                continue
            }
            let before = InlineMarkup.gapStart(in: bytes, before: cursor)
            if before < cursor {
                cursor = before
                continue
            }
            guard let spelled = spelledCharacter(bytes, endingAt: cursor) else { break }
            if spelled.ascii &- 0x30 <= 9 { return JoinedRun(mayBeCard: true, end: gap.end) }
            cursor = spelled.start
        }
        if digits >= shortestCard || (cursor == 0 && openEnds) { return JoinedRun(mayBeCard: true, end: gap.end) }
        cursor = gap.end
        while cursor < bytes.count {
            let byte = bytes[cursor]
            if byte &- 0x30 <= 9 {
                digits += 1
                cursor += 1
            } else if byte == UInt8(ascii: "-") || InlineMarkup.isSpace(byte) {
                cursor += 1
            } else if byte == UInt8(ascii: "<") {
                guard let next = InlineMarkup.gap(in: bytes, from: cursor, html: html) else { break }
                cursor = next.end
            } else if let spelled = escapedCardCharacter(bytes, at: cursor) {
                if spelled.ascii &- 0x30 <= 9 { return JoinedRun(mayBeCard: true, end: cursor) }
                cursor = spelled.end
            } else if byte >= 0xC0, case (let ascii?, let length) = UnicodeDigits.map(bytes, at: cursor) {
                if ascii &- 0x30 <= 9 { return JoinedRun(mayBeCard: true, end: cursor) }
                cursor += length
            } else {
                break
            }
            if digits >= shortestCard { return JoinedRun(mayBeCard: true, end: cursor) }
        }
        return JoinedRun(mayBeCard: cursor == bytes.count && openEnds, end: cursor)
    }

    /// The first '<' at or after `start` that follows a byte a card character may end with (a digit, a
    /// dash or '+', a reference's ';', a byte of a UTF-8 sequence) or white space: markup there may join card
    /// characters. Most tags follow a letter or another tag's '>', and are passed over a word at a time.
    /// On a page (`html`), also white space other than one plain space right after such a byte.
    static func nextMarkupAfterCardCharacter(_ bytes: UnsafeRawBufferPointer, from start: Int, html: Bool) -> Int? {
        guard let raw = bytes.baseAddress else { return nil }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        func mayEndCard(_ byte: UInt8) -> Bool {
            byte &- 0x30 <= 9 || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ";") || byte >= 0x80
        }
        func isCandidate(_ index: Int) -> Bool {
            let byte = base[index]
            guard index > 0 else { return byte == UInt8(ascii: "<") || (html && InlineMarkup.isSpace(byte)) }
            let before = base[index - 1]
            if byte == UInt8(ascii: "<") { return mayEndCard(before) || InlineMarkup.isSpace(before) }
            guard html, InlineMarkup.isSpace(byte), mayEndCard(before) else { return false }
            return byte != 0x20 || (index + 1 < bytes.count && InlineMarkup.isSpace(base[index + 1]))
        }
        var index = start
        if index == 0, bytes.count > 0 {
            if isCandidate(0) { return 0 }
            index = 1
        }
        while index + 9 <= bytes.count {
            let word = ByteLanes.load(base + index)
            let opens = ByteLanes.equal(word, to: UInt8(ascii: "<"))
            // White space but a lone plain space: 0x09–0x0D (and control bytes, ruled out below), or a
            // space before more white space.
            var spaces: UInt64 = 0
            if html {
                let next = ByteLanes.load(base + index + 1)
                spaces = ByteLanes.less(word, than: 0x0E)
                    | ByteLanes.equal(word, to: 0x20) & (ByteLanes.equal(next, to: 0x20) | ByteLanes.less(next, than: 0x0E))
            }
            if opens | spaces != 0 {
                let before = ByteLanes.load(base + index - 1)
                let endsCard = ByteLanes.digits(before) | ByteLanes.equal(before, to: UInt8(ascii: "-")) | ByteLanes.equal(before, to: UInt8(ascii: "+"))
                    | ByteLanes.equal(before, to: UInt8(ascii: ";")) | (before & ByteLanes.highBits)
                let spaceBefore = ByteLanes.equal(before, to: 0x20) | ByteLanes.less(before, than: 0x0E)
                var candidates = opens & (endsCard | spaceBefore) | spaces & endsCard
                // Exactly, lane by lane, for the few that may be.
                while candidates != 0 {
                    let lane = ByteLanes.firstLane(candidates)
                    if isCandidate(index + lane) { return index + lane }
                    candidates &= candidates &- 1
                }
            }
            index += 8
        }
        while index < bytes.count {
            if isCandidate(index) { return index }
            index += 1
        }
        return nil
    }

    /// The card character spelled just before `end` (a reference, with or without its ';', a percent
    /// or JSON escape, a UTF-8 sequence), and where its spelling starts.
    private static func spelledCharacter(_ bytes: UnsafeRawBufferPointer, endingAt end: Int) -> (ascii: UInt8, start: Int)? {
        let last = bytes[end - 1]
        // A spelling ends with ';', a letter or digit (a reference without its ';', an escape's hex
        // digit) or a UTF-8 byte: a tag's '>', say, ends none.
        guard last == UInt8(ascii: ";") || last >= 0x80 || last &- 0x30 <= 9 || (last | 0x20) &- 0x61 <= 25 else { return nil }
        if last >= 0x80 {
            var lead = end - 1
            while lead > 0, end - lead < 4, bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
            guard case (let ascii?, let length) = UnicodeDigits.map(bytes, at: lead), lead + length == end else { return nil }
            return (ascii, lead)
        }
        // A reference is at most a few dozen bytes (leading zeros aside); escapes are 3 or 6.
        for start in stride(from: end - 2, through: max(0, end - 40), by: -1) {
            let byte = bytes[start]
            guard byte == UInt8(ascii: "&") || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "\\") else { continue }
            if let spelled = escapedCardCharacter(bytes, at: start), spelled.end == end { return (spelled.ascii, start) }
        }
        return nil
    }
}
