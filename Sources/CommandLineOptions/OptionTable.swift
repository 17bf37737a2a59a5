/// A command's options and the prose of its `--help`: the one place both the parser and
/// the help text come from.
///
///     let search = OptionTable(
///         command: "hypencoder search", abstract: "top-k documents for a query",
///         options: [
///             .positional("QUERY"),
///             .value("-k", "N", help: "how many hits", check: .integer(1...10_000), default: "10"),
///             .flag("--json", help: "print the daemon's result"),
///         ])
///     try search.parse(["rockets", "-k", "5"]).integer("-k")   // 5
///     try search.parse(["rockets", "-k", "0"])    // -k: expected an integer in 1...10000, got "0"
///     try search.parse(["rockets", "--frobnicate"])   // unknown option --frobnicate
///     search.help   // "usage: hypencoder search QUERY [-k N] [--json]\n\ntop-k documents ..."
///
/// (These lines are the first cases of `Tests/CommandLineOptionsTests`.)
public struct OptionTable: Sendable {
    /// The words that run it, as usage shows them: "hypencoder search", "hypencoderd".
    public var command: String
    /// One line; a parent command lists it next to this command's name.
    public var abstract: String
    /// Prose printed after the usage line, as written (its author wraps it; see HelpText.swift).
    /// Empty means the abstract is printed instead.
    public var discussion: String
    public var options: [Option]
    /// Replaces the generated usage (everything after "usage: "); one entry per line. For a
    /// command with so many options that listing them all would not help.
    public var usage: [String]?
    /// Headed paragraphs or two-column lists after the options (exit statuses, signals).
    public var sections: [HelpSection]
    /// Command lines (without `command`) shown under "Examples:". Tests parse every one, so
    /// an example cannot drift from the table.
    public var examples: [[String]]

    public init(
        command: String, abstract: String = "", discussion: String = "", options: [Option],
        usage: [String]? = nil, sections: [HelpSection] = [], examples: [[String]] = []
    ) {
        self.command = command
        self.abstract = abstract
        self.discussion = discussion
        self.options = options
        self.usage = usage
        self.sections = sections
        self.examples = examples
        var seen = Set<String>()
        for name in options.flatMap(\.names) {
            precondition(seen.insert(name).inserted, "\(command): \(name) is in the table twice")
        }
    }

    /// The last word of `command`: the name a parent command matches ("search").
    public var name: String { command.split(separator: " ").last.map(String.init) ?? command }

    /// The option spelled `name` (any of its names), nil if the table has none.
    public func option(named name: String) -> Option? {
        options.first { $0.names.contains(name) }
    }

    /// Reads `arguments` (without the program name) against the table.
    ///
    /// Options and positionals may come in any order; `--name=value` and `--name value` are
    /// the same; a lone `--` ends the options, so `search -- --weird-query` searches for
    /// "--weird-query". A word that starts with `-` but parses as a number (`-0.5`) is a
    /// positional, as is `-` alone (stdin).
    ///
    /// With `stoppingAtFirstPositional`, parsing ends at the first positional word, which
    /// with everything after it is left in `remaining`: global options before a subcommand.
    ///
    /// Throws `UsageError` for an unknown option, a missing or bad value, a missing required
    /// option, or too few or too many positionals; each message names the option. If an
    /// option that `overridesErrors` (`--help`) is present, no error is thrown: the result
    /// holds that flag, and the caller prints help.
    public func parse(_ arguments: [String], stoppingAtFirstPositional: Bool = false) throws -> ParsedArguments {
        do {
            return try parseStrictly(arguments, stoppingAtFirstPositional: stoppingAtFirstPositional)
        } catch let error as UsageError {
            // Scanned only after a failure, so a value that happens to read "--help"
            // (`--query --help`) is still a value on a correct command line.
            let words = arguments.prefix { $0 != "--" }
            guard let wanted = options.first(where: { $0.overridesErrors && $0.names.contains(where: words.contains) })
            else { throw error }
            return ParsedArguments(table: self, occurrences: [.init(name: wanted.name, value: nil)], remaining: [])
        }
    }

    private func parseStrictly(_ arguments: [String], stoppingAtFirstPositional: Bool) throws -> ParsedArguments {
        var occurrences: [ParsedArguments.Occurrence] = []
        var positionals: [String] = []
        var remaining: [String] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if word == "--" {
                if stoppingAtFirstPositional {
                    remaining = Array(arguments[index...])
                    break
                }
                positionals += arguments[index...]
                break
            }
            guard Self.looksLikeOption(word) else {
                if stoppingAtFirstPositional {
                    remaining = Array(arguments[(index - 1)...])
                    break
                }
                positionals.append(word)
                continue
            }
            let (name, inline) = Self.split(word)
            guard let option = self.option(named: name), !option.isPositional else {
                throw UsageError("unknown option \(name)", option: name)
            }
            var values: [String] = []
            switch option.kind {
            case .flag:
                guard inline == nil else { throw UsageError("\(name) takes no value", option: name) }
            case .value, .repeated:
                guard let value = inline ?? (index < arguments.count ? arguments[index] : nil) else {
                    throw UsageError("\(name) needs a value", option: name)
                }
                if inline == nil { index += 1 }
                values = [value]
            case .list:
                values = inline.map { [$0] } ?? []
                while index < arguments.count, !arguments[index].hasPrefix("--") {
                    values.append(arguments[index])
                    index += 1
                }
                guard !values.isEmpty else { throw UsageError("\(name) needs a value", option: name) }
            case .positional:
                preconditionFailure("positionals are not looked up by name")
            }
            for value in values {
                if let check = option.check, !check.accepts(value) {
                    throw UsageError("\(name): expected \(check.expected), got \"\(value.prefix(40))\"", option: option.name)
                }
            }
            occurrences +=
                option.kind == .flag ? [.init(name: option.name, value: nil)] : values.map { .init(name: option.name, value: $0) }
        }
        if occurrences.contains(where: { self.option(named: $0.name)?.overridesErrors == true }) {
            return ParsedArguments(table: self, occurrences: occurrences, remaining: remaining)
        }
        for option in options where option.isRequired && !occurrences.contains(where: { $0.name == option.name }) {
            throw UsageError("\(option.name) \(option.valueName) is required", option: option.name)
        }
        occurrences += try assign(positionals)
        return ParsedArguments(table: self, occurrences: occurrences, remaining: remaining)
    }

    /// Hands the positional words to the table's positionals in order: each takes its
    /// minimum, then the extra words go to the first ones with room.
    private func assign(_ words: [String]) throws -> [ParsedArguments.Occurrence] {
        let slots = options.compactMap { option -> (Option, ClosedRange<Int>)? in
            if case .positional(let count) = option.kind { return (option, count) }
            return nil
        }
        var extra = words.count - slots.map(\.1.lowerBound).reduce(0, +)
        if extra < 0 {
            var needed = words.count
            let missing = slots.first {
                needed -= $0.1.lowerBound
                return needed < 0
            }
            let name = missing?.0.valueName ?? "?"
            throw UsageError("missing \(name)", option: name)
        }
        var occurrences: [ParsedArguments.Occurrence] = []
        var next = 0
        for (option, count) in slots {
            let take = count.lowerBound + min(extra, count.upperBound - count.lowerBound)
            extra -= take - count.lowerBound
            occurrences += words[next..<(next + take)].map { .init(name: option.name, value: $0) }
            next += take
        }
        guard next == words.count else {
            throw UsageError("unexpected argument \"\(words[next].prefix(40))\"", option: nil)
        }
        return occurrences
    }

    /// `-k`, `--json`, `--x=1`; not `-`, `--`, or a negative number.
    static func looksLikeOption(_ word: String) -> Bool {
        word.count > 1 && word.hasPrefix("-") && Double(word) == nil
    }

    /// `--batch-size=64` → ("--batch-size", "64"); `--json` → ("--json", nil).
    static func split(_ word: String) -> (name: String, inline: String?) {
        guard let equals = word.firstIndex(of: "=") else { return (word, nil) }
        return (String(word[..<equals]), String(word[word.index(after: equals)...]))
    }
}
