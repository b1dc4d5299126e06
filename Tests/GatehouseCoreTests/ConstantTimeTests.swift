import GatehouseCore
import Testing

struct ConstantTimeTests {
    @Test func equalOnlyWhenEveryByteAndTheLengthMatch() {
        let secret = Array("tok_4f9a2c".utf8)
        #expect(ConstantTime.equals(secret, Array("tok_4f9a2c".utf8)))
        #expect(!ConstantTime.equals(secret, Array("tok_4f9a2d".utf8)))
        #expect(!ConstantTime.equals(secret, Array("uok_4f9a2c".utf8)))
        #expect(!ConstantTime.equals(secret, Array("tok_4f9a2".utf8)))
        #expect(ConstantTime.equals([UInt8](), [UInt8]()))
        // Non-contiguous collections take the element-wise path.
        #expect(ConstantTime.equals("tok_4f9a2c".utf8.reversed().reversed(), secret))
        #expect(!ConstantTime.equals("tok_4f9a2x".utf8.reversed().reversed(), secret))
    }

    @Test func rawBuffersCompareTheSame() {
        let a = Array("abcdef".utf8), b = Array("abcdeF".utf8)
        a.withUnsafeBytes { left in
            #expect(ConstantTime.equals(left, left))
            b.withUnsafeBytes { right in #expect(!ConstantTime.equals(left, right)) }
            #expect(!ConstantTime.equals(left, UnsafeRawBufferPointer(rebasing: left.dropLast())))
        }
    }
}
