/// Reads decompressed contents as they come, so an archive is read whole without being held whole:
/// whether a card number stands in them, and their first `heldLimit` bytes, kept for reading
/// further (encoded data inside, text in UTF-16).
struct ContentsReader {
    /// How much of one member's contents is kept for reading further.
    static let heldLimit = 16 << 20

    private(set) var held: [UInt8] = []
    private(set) var holdsCardNumber = false
    /// The digits, spaces and dashes at the end of what was read (a number may go on in the next
    /// piece), after one byte of what came before them.
    private var carry: [UInt8] = []
    private var started = false

    mutating func read(_ piece: UnsafeRawBufferPointer) {
        if held.count < Self.heldLimit { held.append(contentsOf: piece.prefix(Self.heldLimit - held.count)) }
        guard !holdsCardNumber, !piece.isEmpty else { return }
        var data = carry
        data.append(contentsOf: piece)
        let checked = data.count - data.withUnsafeBytes(PANDetector.unfinishedTail)
        data.withUnsafeBytes { data in
            holdsCardNumber = EncodedCardData.holdsStandaloneCardNumber(
                UnsafeRawBufferPointer(rebasing: data[..<checked]), openStart: started, openEnd: true)
        }
        carry = Array(data[max(0, checked - 1)...])
        started = true
    }

    mutating func finish() {
        guard !holdsCardNumber else { return }
        holdsCardNumber = carry.withUnsafeBytes { EncodedCardData.holdsStandaloneCardNumber($0, openStart: started, openEnd: false) }
        carry = []
    }
}
