/// A block of help after the options: a paragraph as written, or a two-column list laid out
/// like the options (exit statuses, subcommands, environment variables).
public struct HelpSection: Sendable {
    public struct Row: Sendable {
        public var term: String
        public var text: String
    }

    /// Printed as "Title:" above the block; empty for none.
    public var title: String
    public var text: String
    public var rows: [Row]

    /// Prose kept as written: its author chose the line breaks.
    public init(_ title: String, text: String) {
        self.title = title
        self.text = text
        self.rows = []
    }

    /// Terms aligned in a column, texts wrapped beside them.
    public init(_ title: String, rows: [(String, String)]) {
        self.title = title
        self.text = ""
        self.rows = rows.map { Row(term: $0.0, text: $0.1) }
    }
}

/// The help renderer. Option texts are wrapped to the width, because their column depends on
/// the longest option name; discussions and text sections are printed as written, because
/// their authors lay them out (examples, indented JSON) better than a wrapper would.
extension OptionTable {
    /// The width help is wrapped to: readable in an 80- to 100-column terminal.
    public static let helpWidth = 92

    /// The complete `--help` text, without a trailing newline.
    public var help: String {
        var blocks = [usageLines.joined(separator: "\n")]
        let prose = discussion.isEmpty ? abstract : discussion
        if !prose.isEmpty { blocks.append(prose) }
        let listed = options.filter { !$0.isHidden && !($0.isPositional && $0.help.isEmpty) }
        // One column for every block of options, so they read as one list.
        let column = Self.column(listed.map { Self.row($0).0 })
        var titles: [String?] = []
        for option in listed where !titles.contains(option.section) { titles.append(option.section) }
        let arguments = listed.filter(\.isPositional)
        if !arguments.isEmpty { blocks.append(Self.block("Arguments", arguments.map(Self.row), column)) }
        for title in titles {
            let named = listed.filter { !$0.isPositional && $0.section == title }
            if !named.isEmpty { blocks.append(Self.block(title ?? "Options", named.map(Self.row), column)) }
        }
        for section in sections {
            let rows = section.rows.map { ($0.term, $0.text) }
            let body = rows.isEmpty ? [section.text] : Self.rows(rows, column: Self.column(rows.map(\.0)))
            blocks.append(((section.title.isEmpty ? [] : [section.title + ":"]) + body).joined(separator: "\n"))
        }
        if !examples.isEmpty {
            let lines = examples.flatMap { Self.shellLines([command] + $0.map(Self.quoted)) }
            blocks.append((["Examples:"] + lines).joined(separator: "\n"))
        }
        return blocks.joined(separator: "\n\n")
    }

    /// "usage: hypencoder search QUERY [-k N] ...", wrapped under the command name. Flags
    /// that only ask for information (`--help`, `--version`) are left out: they are not a
    /// way to run the command.
    public var usageLines: [String] {
        if let usage { return usage.enumerated().map { ($0.offset == 0 ? "usage: " : "       ") + $0.element } }
        let pieces = options.filter { !$0.isHidden && !$0.overridesErrors }.map(Self.usagePiece)
        let head = "usage: \(command)"
        let indent = String(repeating: " ", count: min(head.count + 1, Self.helpWidth / 2))
        var lines = [head]
        for piece in pieces {
            if lines[lines.count - 1].count + 1 + piece.count > Self.helpWidth, lines[lines.count - 1] != head {
                lines.append(indent + piece)
            } else {
                lines[lines.count - 1] += " " + piece
            }
        }
        return lines
    }

    /// The text for a usage error: the message, the usage, and where to read more.
    public func explain(_ error: UsageError) -> String {
        var lines = [error.message] + usageLines
        if option(named: "--help") != nil { lines.append("See `\(command) --help`.") }
        return lines.joined(separator: "\n")
    }

    // MARK: Layout

    private static func block(_ title: String, _ rows: [(String, String)], _ column: Int) -> String {
        ([title + ":"] + Self.rows(rows, column: column)).joined(separator: "\n")
    }

    /// Where the texts start: after the longest term, up to 24 characters (a longer term
    /// gets a line of its own rather than pushing every text to the right).
    static func column(_ terms: [String]) -> Int {
        2 + min(terms.map(\.count).max() ?? 0, 24) + 2
    }

    /// ("--batch-size N", "documents per request (1-10000, default 64)") for the list.
    private static func row(_ option: Option) -> (String, String) {
        let names = option.names.sorted { !$0.hasPrefix("--") && $1.hasPrefix("--") }.joined(separator: ", ")
        var term = names
        switch option.kind {
        case .flag: break
        case .value, .repeated: term += " " + option.valueName
        case .list: term += " \(option.valueName)..."
        case .positional(let count): term = count.upperBound > 1 ? "\(option.valueName)..." : option.valueName
        }
        var notes = [option.check?.helpRange ?? ""]
        if let value = option.defaultValue { notes.append("default \(value)") }
        if option.kind == .repeated { notes.append("repeatable") }
        notes = notes.filter { !$0.isEmpty }
        return (term, option.help + (notes.isEmpty ? "" : " (\(notes.joined(separator: ", ")))"))
    }

    /// How an option appears in the generated usage line: `[-k N]`, `--corpus DIR`, `ID...`.
    private static func usagePiece(_ option: Option) -> String {
        let base: String
        switch option.kind {
        case .flag: base = option.name
        case .value: base = "\(option.name) \(option.valueName)"
        case .list: base = "\(option.name) \(option.valueName)..."
        case .repeated:
            let one = "\(option.name) \(option.valueName)"
            return option.isRequired ? "\(one) [\(one) ...]" : "[\(one) ...]"
        case .positional(let count):
            let word = count.upperBound > 1 ? "\(option.valueName)..." : option.valueName
            return count.lowerBound == 0 ? "[\(word)]" : word
        }
        return option.isRequired ? base : "[\(base)]"
    }

    /// Two columns: terms indented by two, texts starting at `column`, wrapped to `helpWidth`.
    static func rows(_ rows: [(String, String)], column: Int) -> [String] {
        var lines: [String] = []
        for (term, text) in rows {
            let wrapped = wrap(text, width: max(helpWidth - column, 30))
            let pad = String(repeating: " ", count: column)
            var first = "  " + term
            if first.count + 2 > column {
                lines.append(first)
                first = pad
            } else {
                first += String(repeating: " ", count: column - first.count)
            }
            for (index, line) in wrapped.enumerated() { lines.append((index == 0 ? first : pad) + line) }
            if wrapped.isEmpty { lines.append(first.trimmingTrailingSpaces()) }
        }
        return lines
    }

    /// Greedy word wrap; explicit newlines in `text` are kept. No lines for "".
    static func wrap(_ text: String, width: Int) -> [String] {
        if text.isEmpty { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: false).flatMap { paragraph -> [String] in
            var lines: [String] = []
            var line = ""
            for word in paragraph.split(separator: " ") {
                if !line.isEmpty, line.count + 1 + word.count > width {
                    lines.append(line)
                    line = ""
                }
                line += (line.isEmpty ? "" : " ") + word
            }
            return lines + [line]
        }
    }

    /// A command line indented by two, broken before `helpWidth` with a shell's ` \`, so
    /// it can still be pasted as is.
    static func shellLines(_ words: [String]) -> [String] {
        var lines = ["  " + words[0]]
        for word in words.dropFirst() {
            if lines[lines.count - 1].count + 1 + word.count + 2 > helpWidth {
                lines[lines.count - 1] += " \\"
                lines.append("      " + word)
            } else {
                lines[lines.count - 1] += " " + word
            }
        }
        return lines
    }

    /// A word as a POSIX shell would need it typed: quoted when it holds anything special.
    static func quoted(_ word: String) -> String {
        let plain = !word.isEmpty && word.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=@%+,".contains($0) }
        return plain ? word : "'" + word.replacingAll("'", with: "'\\''") + "'"
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.hasSuffix(" ") { copy.removeLast() }
        return copy
    }

    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self { result += character == target ? replacement : String(character) }
        return result
    }
}
