import AsyncHTTPClient
import Foundation
import GatehouseCore
import NIOCore

/// Exchanges card numbers for the tenant's card processor's tokens: one POST per distinct card,
/// JSON `{"pan","expiry","cvv","tenant"}` in, `{"token"}` out. The card data lives only in the
/// request buffer, which is overwritten once sent.
struct CardProcessorClient: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let client: HTTPClient
    let timeout: TimeAmount
    let cards: any CardProtection

    func token(for finding: CardFinding, tenant: TenantPrefix, processor: CardProcessorURL) async throws -> String {
        var body: [UInt8] = Array("{\"pan\":\"".utf8) + finding.pan + Array("\"".utf8)
        if let expiry = finding.expiry, expiry.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C && $0 < 0x7F }) {
            body += Array(",\"expiry\":\"\(expiry)\"".utf8)
        }
        if let cvv = finding.cvv, cvv.allSatisfy(\.isASCIIDigitByte) {
            body += Array(",\"cvv\":\"".utf8) + cvv + Array("\"".utf8)
        }
        body += Array(",\"tenant\":\"\(tenant.value)\"}".utf8)
        var request = HTTPClientRequest(url: processor.description)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        for index in body.indices { body[index] = 0 }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
        } catch {
            throw Failure(description: "the card processor could not be reached (\(type(of: error)))")
        }
        guard response.status == .ok else {
            throw Failure(description: "the card processor answered \(response.status.code)")
        }
        let reply = try await response.body.collect(upTo: 64 * 1024)
        guard let object = try? JSONSerialization.jsonObject(with: Data(reply.readableBytesView)) as? [String: Any],
              let token = object["token"] as? String, (1...200).contains(token.utf8.count),
              token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C })
        else {
            throw Failure(description: "the card processor's answer has no usable \"token\"")
        }
        // A processor that echoes the card number would put it where it must never be.
        guard !cards.containsCard(token) else {
            throw Failure(description: "the card processor returned a card number as its token")
        }
        return token
    }
}

extension UInt8 {
    var isASCIIDigitByte: Bool { self &- 0x30 <= 9 }
}
