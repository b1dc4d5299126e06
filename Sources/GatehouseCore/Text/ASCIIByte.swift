extension UInt8 {
    /// The byte with an ASCII capital letter folded to lowercase; every other byte as it is. Inlinable:
    /// header names, log keys and card field names are folded byte by byte on hot paths.
    @inlinable
    public var asciiLowercased: UInt8 { self >= 0x41 && self <= 0x5A ? self + 0x20 : self }

    /// Whether the byte is an ASCII letter, either case (where markup names and tags begin).
    @inlinable
    public var isASCIILetter: Bool { (self | 0x20) &- UInt8(ascii: "a") < 26 }
}
