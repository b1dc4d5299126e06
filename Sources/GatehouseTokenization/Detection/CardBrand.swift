/// The card brands whose numbers the detector recognises, by IIN range and issued length. A digit
/// run that no brand issues is not treated as a card number, which removes most Luhn false positives.
public enum CardBrand: String, CaseIterable, Sendable {
    case visa, mastercard, amex, discover, jcb, diners, unionpay

    /// The brand that issues `digits` (ASCII digits, 13–19 of them), or nil.
    public static func issuing(_ digits: UnsafeBufferPointer<UInt8>) -> CardBrand? {
        let count = digits.count
        func prefix(_ n: Int) -> Int {
            var value = 0
            for index in 0..<n { value = value * 10 + Int(digits[index] &- 0x30) }
            return value
        }
        switch digits[0] {
        case UInt8(ascii: "4"):
            return count == 13 || count == 16 || count == 19 ? .visa : nil
        case UInt8(ascii: "5"):
            let two = prefix(2)
            return (51...55).contains(two) && count == 16 ? .mastercard : nil
        case UInt8(ascii: "2"):
            return (2221...2720).contains(prefix(4)) && count == 16 ? .mastercard : nil
        case UInt8(ascii: "3"):
            let two = prefix(2)
            if two == 34 || two == 37 { return count == 15 ? .amex : nil }
            if (3528...3589).contains(prefix(4)) { return (16...19).contains(count) ? .jcb : nil }
            if (300...305).contains(prefix(3)) || two == 36 || two == 38 || two == 39 {
                return (14...19).contains(count) ? .diners : nil
            }
            return nil
        case UInt8(ascii: "6"):
            if prefix(4) == 6011 || (644...649).contains(prefix(3)) || prefix(2) == 65 {
                return (16...19).contains(count) ? .discover : nil
            }
            if prefix(2) == 62 { return (16...19).contains(count) ? .unionpay : nil }
            return nil
        default:
            return nil
        }
    }
}

/// The mod-10 check digit test every card number passes.
public enum Luhn {
    public static func isValid(_ digits: UnsafeBufferPointer<UInt8>) -> Bool {
        var sum = 0
        var double = false
        var index = digits.count - 1
        while index >= 0 {
            var digit = Int(digits[index] &- 0x30)
            if double {
                digit &*= 2
                if digit > 9 { digit &-= 9 }
            }
            sum &+= digit
            double.toggle()
            index -= 1
        }
        return sum % 10 == 0
    }
}
