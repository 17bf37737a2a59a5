import Foundation
import HypencoderRPC

/// Everything the client writes. Results go to stdout (a table for people, JSON with
/// `--json` for programs); progress and errors go to stderr, unbuffered, so a pipe into
/// `jq` only ever sees the result.
enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func json(_ value: JSONValue) {
        line(pretty(value))
    }

    /// Indented JSON. Scalars and keys are written by HypencoderRPC's writer, so escaping
    /// and number formatting are exactly the daemon's; only whitespace is added here.
    static func pretty(_ value: JSONValue, indent: String = "") -> String {
        let inner = indent + "  "
        switch value {
        case .array(let items) where !items.isEmpty:
            return "[\n" + items.map { inner + pretty($0, indent: inner) }.joined(separator: ",\n")
                + "\n" + indent + "]"
        case .object(let object) where !object.isEmpty:
            return "{\n"
                + object.map { key, member in
                    inner + JSONValue.string(key).serializedString() + ": " + pretty(member, indent: inner)
                }.joined(separator: ",\n") + "\n" + indent + "}"
        default:
            return value.serializedString()
        }
    }

    /// A value as a table cell: strings bare, null empty, anything else as compact JSON.
    static func cell(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case let other?: return other.serializedString()
        }
    }

    /// Shortens text for a table cell and keeps it on one line.
    static func clip(_ text: String, _ width: Int = 60) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= width ? flat : String(flat.prefix(width - 1)) + "…"
    }

    /// Left-aligned columns padded to the widest cell; the last column is not padded.
    /// Without a header it is a list of "name  value" lines.
    static func table(_ header: [String]?, _ rows: [[String]]) {
        let all = (header.map { [$0] } ?? []) + rows
        var widths = [Int](repeating: 0, count: all.map(\.count).max() ?? 0)
        for row in all { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        for row in all {
            let cells = row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }
            line(cells.joined(separator: "  "))
        }
    }

    /// Numbers for people: scores with 4 decimals.
    static func score(_ value: JSONValue?) -> String {
        guard let number = value?.doubleValue else { return cell(value) }
        return String(format: "%.4f", number)
    }
}
