/// What `OptionTable.parse` read: every option and positional given, in command-line order.
///
/// Values are looked up by any name of the option (`value("-k")`), and a name that is not in
/// the table stops the program: that is a typo in the command's code, not in the user's
/// command line, and it should fail the first test that reaches it rather than read as
/// "not given".
public struct ParsedArguments: Sendable {
    /// One option or positional word as given. `name` is the option's canonical name (a
    /// positional's value name); a flag has no value.
    public struct Occurrence: Sendable, Equatable {
        public var name: String
        public var value: String?

        public init(name: String, value: String?) {
            self.name = name
            self.value = value
        }
    }

    public let table: OptionTable
    /// In command-line order, so a command that mixes two lists (`--id a --text b --id c`)
    /// can keep the user's order, and the daemon can apply flags left to right.
    public let occurrences: [Occurrence]
    /// With `stoppingAtFirstPositional`: the first positional word and everything after it.
    public let remaining: [String]

    init(table: OptionTable, occurrences: [Occurrence], remaining: [String]) {
        self.table = table
        self.occurrences = occurrences
        self.remaining = remaining
    }

    /// Whether the flag (or any option) was given.
    public func flag(_ name: String) -> Bool {
        let canonical = self.canonical(name)
        return occurrences.contains { $0.name == canonical }
    }

    /// The last value given, else the option's default; for a positional, its last word.
    public func value(_ name: String) -> String? {
        let canonical = self.canonical(name)
        return occurrences.last { $0.name == canonical }?.value ?? table.option(named: name)?.defaultValue
    }

    /// Every value given, in order: a repeated or list option, or a positional's words.
    public func values(_ name: String) -> [String] {
        let canonical = self.canonical(name)
        return occurrences.filter { $0.name == canonical }.compactMap(\.value)
    }

    /// `value(name)` as an integer. The table's `.integer` check has already refused
    /// anything else, so nil means absent without a default.
    public func integer(_ name: String) -> Int? {
        value(name).flatMap { Int($0) }
    }

    /// `value(name)` as a number (see `integer`).
    public func number(_ name: String) -> Double? {
        value(name).flatMap { Double($0) }
    }

    /// The value of something the table guarantees: a required option, a positional of at
    /// least one word, or an option with a default. Anything else stops the program: the
    /// table and the code disagree, a bug for the first test to catch.
    public subscript(_ name: String) -> String {
        guard let value = value(name) else { preconditionFailure("\(name) of \(table.command) may be absent") }
        return value
    }

    /// `self[name]` as an integer, for an option with an `.integer` check.
    public subscript(integer name: String) -> Int {
        guard let value = integer(name) else { preconditionFailure("\(name) of \(table.command) is not a given integer") }
        return value
    }

    private func canonical(_ name: String) -> String {
        guard let option = table.option(named: name) else {
            preconditionFailure("\(name) is not an option of \(table.command)")
        }
        return option.name
    }
}

/// A mistake in how a command was called. Executables exit with status 64 (EX_USAGE from
/// BSD `sysexits.h`) for it, so scripts can tell it from a failure of the work itself.
public struct UsageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Names the option or positional: `--workers: expected an integer, got "many"`.
    public var message: String
    /// The option's canonical name (a positional's value name), when one is to blame.
    public var option: String?

    public init(_ message: String, option: String? = nil) {
        self.message = message
        self.option = option
    }

    public var description: String { message }
}
