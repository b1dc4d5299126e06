import GatehouseHTTP

/// Writes access-log lines as `GatehouseLogHandler` would (same text and JSON shapes, label
/// `gatehouse.access`, fields sorted), formatted straight from the line's fields: no metadata
/// dictionary, no sorting, one string per request.
struct AccessLogWriter: AccessLogSink {
    static let label = "gatehouse.access"
    let format: LogFormat

    func record(_ line: AccessLogLine) {
        LogWriter.shared.write(Self.format(line, as: format, time: LogClock.timestamp()), batched: true)
    }

    static func format(_ line: AccessLogLine, as format: LogFormat, time: String) -> String {
        var text = ""
        text.reserveCapacity(200 + line.path.utf8.count)
        switch format {
        case .text:
            text += time
            text += " info ["
            text += label
            text += "] "
            appendMessage(line, to: &text)
            for (key, value) in line.fields {
                text += " "
                text += key
                text += "="
                text += value
            }
        case .json:
            text += "{\"time\":"
            JSONText.append(time, to: &text)
            text += ",\"level\":\"info\",\"label\":"
            JSONText.append(label, to: &text)
            text += ",\"message\":"
            var message = ""
            appendMessage(line, to: &message)
            JSONText.append(message, to: &text)
            for (key, value) in line.fields {
                text += ","
                JSONText.append(key, to: &text)
                text += ":"
                JSONText.append(value, to: &text)
            }
            text += "}"
        }
        text += "\n"
        return text
    }

    private static func appendMessage(_ line: AccessLogLine, to text: inout String) {
        text += line.method
        text += " "
        text += line.path
        text += " "
        text += String(line.status)
    }
}
