import Foundation
import GatehouseCore
import Testing

struct SSHPublicKeyTests {
    static func wireString(_ bytes: [UInt8]) -> [UInt8] {
        let count = UInt32(bytes.count)
        return [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)] + bytes
    }

    static func line(_ type: String, _ parts: [[UInt8]], comment: String = "alice@laptop") -> String {
        let blob = parts.reduce(wireString(Array(type.utf8))) { $0 + wireString($1) }
        return "\(type) \(Data(blob).base64EncodedString()) \(comment)"
    }

    @Test func acceptsEd25519() throws {
        let key = try SSHPublicKey(openSSHLine: Self.line("ssh-ed25519", [Array(repeating: 7, count: 32)]) + "\n")
        #expect(key.algorithm == .ed25519)
        #expect(key.comment == "alice@laptop")
        #expect(key.openSSHLine.hasPrefix("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"))
    }

    @Test(arguments: [("ecdsa-sha2-nistp256", "nistp256", 65), ("ecdsa-sha2-nistp384", "nistp384", 97), ("ecdsa-sha2-nistp521", "nistp521", 133)])
    func acceptsECDSA(type: String, curve: String, length: Int) throws {
        let point = [UInt8(4)] + Array(repeating: 1, count: length - 1)
        let key = try SSHPublicKey(openSSHLine: Self.line(type, [Array(curve.utf8), point]))
        #expect(key.algorithm.rawValue == type)
    }

    @Test func refusesRSAWithTheAcceptedTypes() {
        let error = #expect(throws: GatehouseError.self) {
            try SSHPublicKey(openSSHLine: Self.line("ssh-rsa", [[1, 0, 1], Array(repeating: 9, count: 256)]))
        }
        #expect(error?.message.contains("RSA keys are not accepted") == true)
        #expect(error?.message.contains("ssh-ed25519") == true)
    }

    @Test func refusesOtherTypes() {
        for type in ["ssh-dss", "sk-ssh-ed25519@openssh.com", "ssh-ed25519-cert-v01@openssh.com"] {
            #expect(throws: GatehouseError.self) { try SSHPublicKey(openSSHLine: "\(type) AAAA") }
        }
    }

    @Test func refusesMalformedKeys() {
        let cases = [
            "",
            "ssh-ed25519",
            "ssh-ed25519 !!!notbase64!!!",
            Self.line("ssh-ed25519", [Array(repeating: 7, count: 31)]),
            Self.line("ssh-ed25519", [Array(repeating: 7, count: 32), [1]]),
            Self.line("ecdsa-sha2-nistp256", [Array("nistp384".utf8), [4] + Array(repeating: 1, count: 64)]),
            Self.line("ecdsa-sha2-nistp256", [Array("nistp256".utf8), [2] + Array(repeating: 1, count: 64)]),
            "-----BEGIN OPENSSH PRIVATE KEY-----",
        ]
        for text in cases {
            #expect(throws: GatehouseError.self, "\(text)") { try SSHPublicKey(openSSHLine: text) }
        }
    }

    @Test func refusesTypeMismatchBetweenTextAndBlob() {
        let blob = Self.wireString(Array("ssh-ed25519".utf8)) + Self.wireString(Array(repeating: 7, count: 32))
        let error = #expect(throws: GatehouseError.self) {
            try SSHPublicKey(openSSHLine: "ecdsa-sha2-nistp256 \(Data(blob).base64EncodedString())")
        }
        #expect(error?.message.contains("mismatch") == true)
    }

    @Test func truncatedLengthPrefixIsMalformed() {
        let blob: [UInt8] = Self.wireString(Array("ssh-ed25519".utf8)) + [0, 0, 1, 0, 1, 2]
        #expect(throws: GatehouseError.self) {
            try SSHPublicKey(openSSHLine: "ssh-ed25519 \(Data(blob).base64EncodedString())")
        }
    }
}
