import CommandLineOptions
import XCTest

@testable import hypencoder_model

/// `hypencoder-model`'s option tables, without a model: every example in a command's help
/// parses with that command's table, and every help line fits.
final class ModelToolTableTests: XCTestCase {
    func testEveryExampleParsesAndEveryHelpFits() throws {
        let tables = hypencoder_model.commands.map(\.options)
        XCTAssertEqual(tables.map(\.name), ["info", "score", "rank"])
        for table in tables + [hypencoder_model.overview] {
            for example in table.examples { XCTAssertNoThrow(try table.parse(example), "\(table.command) \(example)") }
            XCTAssertTrue(table.help.hasPrefix("usage: \(table.command)"), table.help)
            for line in table.help.split(separator: "\n") {
                XCTAssertLessThanOrEqual(line.count, OptionTable.helpWidth, "\(table.command): \(line)")
            }
        }
    }

    func testRankTakesKAsBothSpellingsAndRefusesZero() throws {
        let rank = try XCTUnwrap(hypencoder_model.commands.first { $0.options.name == "rank" }).options
        let required = ["--model", "m", "--corpus", "c", "--queries", "q", "--run", "r"]
        XCTAssertEqual(try rank.parse(required)[integer: "-k"], 1000)
        XCTAssertEqual(try rank.parse(required + ["--k", "7"])[integer: "-k"], 7)
        XCTAssertEqual(try rank.parse(required + ["-k=9"])[integer: "-k"], 9)
        XCTAssertThrowsError(try rank.parse(required + ["-k", "0"])) {
            XCTAssertEqual(($0 as? UsageError)?.message, "-k: expected an integer >= 1, got \"0\"")
        }
    }
}
