import CommandLineOptions
import XCTest

/// The option table on its own: parsing, errors that name the option, and the help text.
final class OptionTableTests: XCTestCase {
    /// The table of the example in `OptionTable`'s documentation.
    let search = OptionTable(
        command: "hypencoder search", abstract: "top-k documents for a query",
        options: [
            .positional("QUERY"),
            .value("-k", "N", help: "how many hits", check: .integer(1...10_000), default: "10"),
            .flag("--json", help: "print the daemon's result"),
        ])

    let score = OptionTable(
        command: "hypencoder score",
        options: [
            .positional("QUERY"),
            .list("--id", "ID", help: "stored documents"),
            .list("--text", "TEXT", help: "texts encoded on the fly"),
            .flag("--json", help: "JSON"),
            .help,
        ],
        examples: [["how do rockets reach orbit", "--id", "rocket", "bread", "--text", "a rocket burns fuel"]])

    let eval = OptionTable(
        command: "hypencoder eval",
        options: [
            .value("--corpus", "DIR", help: "the collection").required(),
            .repeated("--query", "TEXT", help: "a query"),
            .value("--drain", "SECONDS", help: "wait", check: .number(0...3600)),
            .value("--depth", "N", help: "kept", check: .integer(1...Int.max)).alias("--k"),
            .positional("FILE", count: 0...1, help: "where to write"),
            .help, .version,
        ])

    func error(_ table: OptionTable, _ arguments: [String]) -> String {
        do {
            _ = try table.parse(arguments)
            return "no error"
        } catch {
            return (error as? UsageError)?.message ?? "not a UsageError: \(error)"
        }
    }

    // MARK: The documented examples

    func testTheDocumentedExample() throws {
        XCTAssertEqual(try search.parse(["rockets", "-k", "5"]).integer("-k"), 5)
        XCTAssertEqual(error(search, ["rockets", "-k", "0"]), "-k: expected an integer in 1...10000, got \"0\"")
        XCTAssertEqual(error(search, ["rockets", "--frobnicate"]), "unknown option --frobnicate")
        XCTAssertTrue(search.help.hasPrefix("usage: hypencoder search QUERY [-k N] [--json]\n\ntop-k documents"), search.help)
    }

    func testEveryExampleOfATableParses() throws {
        for table in [search, score, eval] {
            for example in table.examples { XCTAssertNoThrow(try table.parse(example), "\(table.command) \(example)") }
        }
    }

    // MARK: Parsing

    func testValuesDefaultsAndSpellings() throws {
        let parsed = try search.parse(["-k=3", "rockets", "-k", "7", "--json"])
        XCTAssertEqual(parsed.integer("-k"), 7, "the last one wins")
        XCTAssertEqual(parsed.value("QUERY"), "rockets")
        XCTAssertTrue(parsed.flag("--json"))
        let plain = try search.parse(["rockets"])
        XCTAssertEqual(plain.integer("-k"), 10, "the default")
        XCTAssertFalse(plain.flag("--json"))
        XCTAssertEqual(try eval.parse(["--corpus", "c", "--k", "4"]).integer("--depth"), 4, "an alias")
        XCTAssertEqual(try eval.parse(["--corpus", "c", "--drain=2.5"]).number("--drain"), 2.5)
    }

    func testDoubleDashDashAndNegativeNumbersArePositional() throws {
        XCTAssertEqual(try search.parse(["--", "--weird-query"]).value("QUERY"), "--weird-query")
        XCTAssertEqual(try search.parse(["-0.5"]).value("QUERY"), "-0.5")
        XCTAssertEqual(try search.parse(["-"]).value("QUERY"), "-")
    }

    func testListsRunToTheNextDoubleDashWordAndKeepTheirOrder() throws {
        let parsed = try score.parse(["q", "--id", "a", "b", "--text", "t", "--id", "c", "--json"])
        XCTAssertEqual(parsed.values("--id"), ["a", "b", "c"])
        XCTAssertEqual(parsed.values("--text"), ["t"])
        XCTAssertTrue(parsed.flag("--json"))
        XCTAssertEqual(
            parsed.occurrences.filter { $0.name != "QUERY" && $0.name != "--json" }.map { "\($0.name)=\($0.value ?? "")" },
            ["--id=a", "--id=b", "--text=t", "--id=c"])
        XCTAssertEqual(error(score, ["q", "--id", "--json"]), "--id needs a value")
    }

    func testRepeatedOptionsAndPositionalCounts() throws {
        let parsed = try eval.parse(["--query", "a", "--corpus", "c", "--query", "b", "out.trec"])
        XCTAssertEqual(parsed.values("--query"), ["a", "b"])
        XCTAssertEqual(parsed.value("FILE"), "out.trec")
        XCTAssertNil(try eval.parse(["--corpus", "c"]).value("FILE"))
        let many = OptionTable(
            command: "t", options: [.positional("METHOD"), .positional("ID", count: 0...Int.max), .positional("LAST")])
        let words = try many.parse(["m", "1", "2", "z"])
        XCTAssertEqual(words.value("METHOD"), "m")
        XCTAssertEqual(words.values("ID"), ["1", "2"])
        XCTAssertEqual(words.value("LAST"), "z")
    }

    func testGlobalOptionsStopAtTheSubcommand() throws {
        let global = OptionTable(command: "hypencoder", options: [.value("--socket", "PATH", help: "socket"), .help])
        let parsed = try global.parse(["--socket", "s", "search", "q", "--socket", "t"], stoppingAtFirstPositional: true)
        XCTAssertEqual(parsed.value("--socket"), "s")
        XCTAssertEqual(parsed.remaining, ["search", "q", "--socket", "t"])
    }

    // MARK: Errors name the option

    func testErrorsNameTheOption() {
        XCTAssertEqual(error(search, ["rockets", "-k"]), "-k needs a value")
        XCTAssertEqual(error(search, ["rockets", "--json=yes"]), "--json takes no value")
        XCTAssertEqual(error(search, []), "missing QUERY")
        XCTAssertEqual(error(search, ["a", "b"]), "unexpected argument \"b\"")
        XCTAssertEqual(error(eval, []), "--corpus DIR is required")
        XCTAssertEqual(error(eval, ["--corpus", "c", "--k", "0"]), "--k: expected an integer >= 1, got \"0\"")
        XCTAssertEqual(
            error(eval, ["--corpus", "c", "--drain", "soon"]), "--drain: expected a number in 0.0...3600.0, got \"soon\"")
        let list = Option.Check.custom(expected: "a list of integers") { $0.split(separator: ",").allSatisfy { Int($0) != nil } }
        let daemon = OptionTable(command: "d", options: [.repeated("--allow-uid", "UID[,UID]", help: "uids", check: list)])
        XCTAssertEqual(error(daemon, ["--allow-uid", "1,x"]), "--allow-uid: expected a list of integers, got \"1,x\"")
        XCTAssertEqual(try daemon.parse(["--allow-uid", "1,2", "--allow-uid", "3"]).values("--allow-uid"), ["1,2", "3"])
    }

    func testHelpWinsOverOtherMistakesButIsNotTakenFromAValue() throws {
        XCTAssertTrue(try eval.parse(["--frobnicate", "--help"]).flag("--help"))
        XCTAssertTrue(try eval.parse(["-h"]).flag("--help"), "no error for the missing --corpus")
        XCTAssertTrue(try eval.parse(["--version", "--depth", "0"]).flag("--version"))
        let parsed = try eval.parse(["--corpus", "c", "--query", "--help"])
        XCTAssertFalse(parsed.flag("--help"))
        XCTAssertEqual(parsed.values("--query"), ["--help"])
        XCTAssertEqual(error(eval, ["--", "--help"]), "--corpus DIR is required", "after --, it is a word")
    }

    // MARK: Help

    func testHelpAlignsOptionsAndGeneratesRangesAndDefaults() {
        let table = OptionTable(
            command: "hypencoder add", discussion: "Streams FILE into the index.",
            options: [
                .positional("FILE", help: "a JSONL file, or - for stdin"),
                .value("--batch-size", "N", help: "documents per request", check: .integer(1...10_000), default: "64"),
                .flag("--quiet", help: "no progress on stderr"),
                .value("--a-very-long-option-name", "VALUE", help: "gets a line of its own"),
                .flag("--secret", help: "not shown").hidden(),
                .help,
            ]
                + Option.section(
                    "Tuning (with --quiet)",
                    [.repeated("--knob", "K", help: "turns a knob; this text is long enough to wrap at the width")]),
            sections: [HelpSection("Exit status", rows: [("0", "success"), ("64", "usage error")])],
            examples: [["docs.jsonl", "--batch-size", "256"], ["it's here.jsonl"]])
        XCTAssertEqual(
            table.help,
            """
            usage: hypencoder add FILE [--batch-size N] [--quiet] [--a-very-long-option-name VALUE]
                                  [--knob K ...]

            Streams FILE into the index.

            Arguments:
              FILE                      a JSONL file, or - for stdin

            Options:
              --batch-size N            documents per request (1-10000, default 64)
              --quiet                   no progress on stderr
              --a-very-long-option-name VALUE
                                        gets a line of its own
              -h, --help                show this help

            Tuning (with --quiet):
              --knob K                  turns a knob; this text is long enough to wrap at the width
                                        (repeatable)

            Exit status:
              0   success
              64  usage error

            Examples:
              hypencoder add docs.jsonl --batch-size 256
              hypencoder add 'it'\\''s here.jsonl'
            """)
        XCTAssertTrue(table.help.split(separator: "\n").allSatisfy { $0.count <= OptionTable.helpWidth })
    }

    func testUsageOverrideAndExplainedErrors() {
        let daemon = OptionTable(
            command: "hypencoderd", options: [.help], usage: ["hypencoderd [options]", "hypencoderd --help"])
        XCTAssertTrue(daemon.help.hasPrefix("usage: hypencoderd [options]\n       hypencoderd --help\n"), daemon.help)
        XCTAssertEqual(
            score.explain(UsageError("missing QUERY")),
            "missing QUERY\nusage: hypencoder score QUERY [--id ID...] [--text TEXT...] [--json]\nSee `hypencoder score --help`.")
    }
}
