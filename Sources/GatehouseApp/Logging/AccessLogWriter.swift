import GatehouseHTTP

/// Writes access-log lines as `GatehouseLogHandler` would (same text and JSON shapes, label
/// `gatehouse.access`, fields sorted), straight from the line's fields: no metadata dictionary,
/// no sorting, no secret-key filter (the fields are fixed and hold none). A text line is written
/// as bytes, numbers included, without an intermediate string per field: one is written per request.
struct AccessLogWriter: AccessLogSink {
    let format: LogFormat

    func record(_ line: AccessLogLine) {
        guard format == .text else {
            let message = line.method + " " + line.path + " " + String(line.status)
            let text = LogLineFormat.line(
                format, time: LogClock.timestamp(), level: "info", label: "gatehouse.access", message: message, fields: line.fields)
            LogWriter.shared.write(text, batched: true)
            return
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160 + line.path.utf8.count + line.user.utf8.count)
        LogClock.appendTimestamp(to: &bytes)
        bytes += " info [gatehouse.access] ".utf8
        bytes += line.method.utf8
        bytes.append(UInt8(ascii: " "))
        bytes += line.path.utf8
        bytes.append(UInt8(ascii: " "))
        Self.appendDecimal(line.status, to: &bytes)
        bytes += " bytes_in=".utf8
        Self.appendDecimal(line.bytesIn, to: &bytes)
        bytes += " bytes_out=".utf8
        Self.appendDecimal(line.bytesOut, to: &bytes)
        if line.cards > 0 {
            bytes += " cards=".utf8
            Self.appendDecimal(line.cards, to: &bytes)
        }
        bytes += " client=".utf8
        bytes += line.client.utf8
        bytes += " host=".utf8
        bytes += line.host.utf8
        bytes += " ms=".utf8
        Self.appendDecimal(Int(line.microseconds / 1000), to: &bytes)
        bytes.append(UInt8(ascii: "."))
        Self.appendDecimal(Int(line.microseconds % 1000 / 100), to: &bytes)
        bytes += " tenant=".utf8
        bytes += line.tenant.utf8
        bytes += " user=".utf8
        bytes += line.user.utf8
        bytes.append(UInt8(ascii: "\n"))
        LogWriter.shared.write(bytes: bytes)
    }

    static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            appendDecimal(-value, to: &bytes)
            return
        }
        if value >= 10 { appendDecimal(value / 10, to: &bytes) }
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
}
