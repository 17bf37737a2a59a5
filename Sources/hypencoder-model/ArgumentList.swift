/// A tiny command-line reader: `--name value` options (repeatable), `--flag` switches and
/// positional words, in any order. Small on purpose: the toolchain ships no argument
/// parser we may depend on, and our commands need no more than this.
struct ArgumentList {
    private(set) var positional: [String] = []
    private var options: [String: [String]] = [:]
    private var flags: Set<String> = []

    /// `valueOptions` take the next word as their value; every other `--word` is a switch.
    init(_ words: ArraySlice<String>, valueOptions: Set<String>, switches: Set<String>) throws {
        var rest = words[...]
        while let word = rest.popFirst() {
            if word == "--" {
                positional.append(contentsOf: rest)
                break
            }
            if word.hasPrefix("--") {
                var name = String(word.dropFirst(2))
                var inlineValue: String?
                if let equals = name.firstIndex(of: "=") {
                    inlineValue = String(name[name.index(after: equals)...])
                    name = String(name[..<equals])
                }
                if valueOptions.contains(name) {
                    guard let value = inlineValue ?? rest.popFirst() else {
                        throw UsageError("option --\(name) needs a value")
                    }
                    options[name, default: []].append(value)
                } else if switches.contains(name), inlineValue == nil {
                    flags.insert(name)
                } else {
                    throw UsageError("unknown option --\(name)")
                }
            } else {
                positional.append(word)
            }
        }
    }

    func values(_ name: String) -> [String] { options[name] ?? [] }
    func value(_ name: String) -> String? { options[name]?.last }
    func has(_ name: String) -> Bool { flags.contains(name) }
}

/// A mistake in how the command was called; reported with the usage text, exit code 64.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
