/// One thing a command line can hold: a flag (`--json`), an option with a value
/// (`--batch-size 64`), or a positional word (`QUERY`).
///
/// A command lists its options in one `OptionTable`; the parser and the `--help` text are
/// both made from that list, so the help cannot forget an option and the parser cannot
/// accept an undocumented one. The three executables (`hypencoder`, `hypencoder-model`,
/// `hypencoderd`) share this module, which depends on nothing, so the thin client still
/// links no model and no BLAS.
///
/// Why not swift-argument-parser: no package can be fetched here, and what our commands
/// need (a few value kinds, ranges, aligned help) fits in a few pages. The shape is the
/// same: small values that describe the options, and help generated from them.
public struct Option: Sendable {
    /// How an option takes its value(s).
    public enum Kind: Sendable, Equatable {
        /// `--json`: present or not; `--json=x` is refused.
        case flag
        /// `--batch-size 64` or `--batch-size=64`. Given twice, the last wins, so a shell
        /// alias can be overridden on the command line.
        case value
        /// `--query A --query B`: every occurrence adds one value.
        case repeated
        /// `--id a b --id c` gives a, b, c: the values run until the next word that starts
        /// with `--`, so a list of ids or texts needs no repeated flag.
        case list
        /// A word that is not an option (`QUERY`, `FILE`, `ID...`); the range says how many
        /// words it takes (`1...1`, `0...1`, `1...Int.max`).
        case positional(ClosedRange<Int>)
    }

    /// What a value must look like. Checked while parsing, so a bad value is refused before
    /// anything runs, with an error that names the option and what it expected.
    public enum Check: Sendable {
        /// An integer within the range: `-k: expected an integer in 1...10000, got "0"`.
        case integer(ClosedRange<Int>)
        /// A decimal number within the range.
        case number(ClosedRange<Double>)
        /// Anything else: `expected` completes "expected ...", e.g. "a list of integers".
        case custom(expected: String, @Sendable (String) -> Bool)
    }

    /// Every spelling, canonical one first (`["--help", "-h"]`). For a positional, its
    /// value name. Parsed values are looked up by any of these.
    public var names: [String]
    /// The placeholder in usage and help (`N`, `FILE`); empty for a flag.
    public var valueName: String
    public var kind: Kind
    /// One line or a paragraph; the help renderer wraps it in its column.
    public var help: String
    public var check: Check?
    /// Returned by `ParsedArguments.value` when the option is absent, and shown in help.
    public var defaultValue: String?
    /// A required option is shown without brackets in the usage line, and its absence is
    /// an error (`--corpus DIR is required`). Positionals use their range instead.
    public var isRequired = false
    /// Accepted but not listed in help (e.g. a global option repeated after a subcommand).
    public var isHidden = false
    /// `--help` and `--version`: when one is given, the other mistakes on the command line
    /// are not reported, since the user asked for information and nothing will run.
    public var overridesErrors = false
    /// The heading it is listed under in help; nil is the table's "Options".
    public var section: String?

    /// The canonical name: the key under which parsed values are stored.
    public var name: String { names[0] }

    public var isPositional: Bool {
        if case .positional = kind { return true }
        return false
    }

    public init(
        names: [String], valueName: String = "", kind: Kind, help: String, check: Check? = nil, defaultValue: String? = nil
    ) {
        precondition(!names.isEmpty, "an option needs a name")
        self.names = names
        self.valueName = valueName
        self.kind = kind
        self.help = help
        self.check = check
        self.defaultValue = defaultValue
    }

    // MARK: Building a table

    /// `--json`, `-q`.
    public static func flag(_ names: String..., help: String) -> Option {
        Option(names: names, kind: .flag, help: help)
    }

    /// `--batch-size N`: one value, the last one given wins.
    public static func value(
        _ name: String, _ valueName: String, help: String, check: Check? = nil, default defaultValue: String? = nil
    ) -> Option {
        Option(names: [name], valueName: valueName, kind: .value, help: help, check: check, defaultValue: defaultValue)
    }

    /// `--query TEXT`, given once per value.
    public static func repeated(_ name: String, _ valueName: String, help: String, check: Check? = nil) -> Option {
        Option(names: [name], valueName: valueName, kind: .repeated, help: help, check: check)
    }

    /// `--id ID...`: values up to the next `--word`.
    public static func list(_ name: String, _ valueName: String, help: String, check: Check? = nil) -> Option {
        Option(names: [name], valueName: valueName, kind: .list, help: help, check: check)
    }

    /// `QUERY` (exactly one, the default), `[PARAMS_JSON]` (`0...1`), `ID...` (`1...Int.max`).
    public static func positional(_ valueName: String, count: ClosedRange<Int> = 1...1, help: String = "") -> Option {
        Option(names: [valueName], valueName: valueName, kind: .positional(count), help: help)
    }

    /// `-h, --help`, listed and handled like any flag; the caller prints the table's help.
    public static let help = Option.flag("--help", "-h", help: "show this help").overridingErrors()

    /// `--version`; the caller prints its version.
    public static let version = Option.flag("--version", help: "print the version").overridingErrors()

    /// Options listed under their own heading in help, e.g. the tuning knobs of one mode.
    public static func section(_ title: String, _ options: [Option]) -> [Option] {
        options.map { option in
            var copy = option
            copy.section = title
            return copy
        }
    }

    public func required() -> Option { with { $0.isRequired = true } }
    public func hidden() -> Option { with { $0.isHidden = true } }
    public func overridingErrors() -> Option { with { $0.overridesErrors = true } }
    /// Another spelling, e.g. `-k` for `--k`.
    public func alias(_ name: String) -> Option { with { $0.names.append(name) } }

    private func with(_ change: (inout Option) -> Void) -> Option {
        var copy = self
        change(&copy)
        return copy
    }
}

extension Option.Check {
    /// Whether `text` is an acceptable value.
    func accepts(_ text: String) -> Bool {
        switch self {
        case .integer(let range): return Int(text).map(range.contains) ?? false
        case .number(let range): return Double(text).map(range.contains) ?? false
        case .custom(_, let accepts): return accepts(text)
        }
    }

    /// The end of "expected ...": "an integer in 1...10000", "an integer", "a number >= 0.0".
    var expected: String {
        switch self {
        case .integer(let range): return "an integer" + Self.bounds(range, Int.min...Int.max, closed: " in ", "...")
        case .number(let range): return "a number" + Self.bounds(range, -.infinity...(.infinity), closed: " in ", "...")
        case .custom(let expected, _): return expected
        }
    }

    /// The range as help shows it ("1-10000", ">= 1"), empty when any value of the type goes.
    var helpRange: String {
        switch self {
        case .integer(let range): return Self.bounds(range, Int.min...Int.max, closed: "", "-")
        case .number(let range): return Self.bounds(range, -.infinity...(.infinity), closed: "", "-")
        case .custom: return ""
        }
    }

    /// `closed` + "1" + `separator` + "10000" for a closed range, " >= 1" or " <= 5" for a
    /// half-open one, "" for the whole type. An open end is the type's extreme (`whole`), so
    /// `1...Int.max` reads ">= 1" rather than a 19-digit number.
    private static func bounds<T: Comparable>(
        _ range: ClosedRange<T>, _ whole: ClosedRange<T>, closed: String, _ separator: String
    ) -> String {
        let space = closed.isEmpty ? "" : " "
        switch (range.lowerBound == whole.lowerBound, range.upperBound == whole.upperBound) {
        case (true, true): return ""
        case (false, true): return space + ">= \(range.lowerBound)"
        case (true, false): return space + "<= \(range.upperBound)"
        case (false, false): return closed + "\(range.lowerBound)\(separator)\(range.upperBound)"
        }
    }
}
