import GatehouseHTTP

/// Writes access-log lines as `GatehouseLogHandler` would (same text and JSON shapes, label
/// `gatehouse.access`, fields sorted), straight from the line's fields: no metadata dictionary,
/// no sorting, no secret-key filter (the fields are fixed and hold none).
struct AccessLogWriter: AccessLogSink {
    let format: LogFormat

    func record(_ line: AccessLogLine) {
        let message = line.method + " " + line.path + " " + String(line.status)
        let text = LogLineFormat.line(
            format, time: LogClock.timestamp(), level: "info", label: "gatehouse.access", message: message, fields: line.fields)
        LogWriter.shared.write(text, batched: true)
    }
}
