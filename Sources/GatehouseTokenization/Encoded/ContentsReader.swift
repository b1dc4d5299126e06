/// Reads decompressed contents as they come, so an archive is read whole without being held whole:
/// whether a card number stands in them, and their first `heldLimit` bytes, kept for reading
/// further (encoded data inside, text in UTF-16).
struct ContentsReader {
    /// How much of one member's contents is kept for reading further.
    static let heldLimit = 16 << 20

    private(set) var held: [UInt8] = []
    private(set) var holdsCardNumber = false
    /// The end of what was read: the digits, spaces and dashes it ends with (a number may go on in
    /// the next piece), from the byte before them, so the run is read again whole, from its start,
    /// as reading the whole text would read it.
    private var carry: [UInt8] = []
    /// Whether `carry` starts inside a run cut at `longestRun` (what came before it is not known).
    private var started = false
    /// The longest run of digits, spaces and dashes held back whole.
    static let longestRun = 4096

    mutating func read(_ piece: UnsafeRawBufferPointer) {
        if held.count < Self.heldLimit { held.append(contentsOf: piece.prefix(Self.heldLimit - held.count)) }
        guard !holdsCardNumber, !piece.isEmpty else { return }
        var data = carry
        data.append(contentsOf: piece)
        var runStart = data.count
        while runStart > 0, data.count - runStart < Self.longestRun, PANDetector.isNumberByte(data[runStart - 1]) { runStart -= 1 }
        // A run too long to hold is cut: what touches the cut is read in the next piece.
        let cut = runStart > 0 ? PANDetector.isNumberByte(data[runStart - 1]) : started
        let checked = cut ? data.count - data.withUnsafeBytes(PANDetector.unfinishedTail) : runStart
        data.withUnsafeBytes { data in
            holdsCardNumber = EncodedCardData.holdsStandaloneCardNumber(
                UnsafeRawBufferPointer(rebasing: data[..<checked]), openStart: started, openEnd: cut)
        }
        let carryStart = cut ? max(0, checked - PANDetector.longestMatch - 1) : max(0, runStart - 1)
        carry = Array(data[carryStart...])
        started = cut
    }

    mutating func finish() {
        guard !holdsCardNumber else { return }
        holdsCardNumber = carry.withUnsafeBytes { EncodedCardData.holdsStandaloneCardNumber($0, openStart: started, openEnd: false) }
        carry = []
    }
}
