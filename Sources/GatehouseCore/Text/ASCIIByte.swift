extension UInt8 {
    /// The byte with an ASCII capital letter folded to lowercase; every other byte as it is. Inlinable:
    /// header names, log keys and card field names are folded byte by byte on hot paths.
    @inlinable
    public var asciiLowercased: UInt8 { self >= 0x41 && self <= 0x5A ? self + 0x20 : self }
}
