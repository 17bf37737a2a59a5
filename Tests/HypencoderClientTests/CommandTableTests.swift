import CommandLineOptions
import Foundation
import HypencoderTestSupport
import XCTest

@testable import hypencoder

/// The client's option tables, without a daemon: every example in a command's help parses
/// with that command's table, every help line fits, and every option Docs/clients.md names
/// is one the client accepts (DocsExamplesTests runs the docs' examples for real).
final class CommandTableTests: XCTestCase {
    func testEveryExampleParsesAndEveryHelpFits() throws {
        XCTAssertEqual(commands.count, Set(commands.map(\.name)).count, "command names are unique")
        for command in commands {
            for example in command.options.examples {
                XCTAssertNoThrow(try command.options.parse(example), "\(command.name) \(example)")
            }
            let help = command.options.help
            XCTAssertTrue(help.hasPrefix("usage: hypencoder \(command.name)"), help)
            for line in help.split(separator: "\n") {
                XCTAssertLessThanOrEqual(line.count, OptionTable.helpWidth, "\(command.name): \(line)")
            }
        }
        XCTAssertTrue(overview.help.contains("69  cannot connect"), overview.help)
    }

    func testTheDocsNameOnlyOptionsTheClientAccepts() throws {
        let markdown = try String(contentsOfFile: TestPaths.repositoryRoot + "/Docs/clients.md", encoding: .utf8)
        let start = try XCTUnwrap(markdown.range(of: "\n## hypencoder\n"))
        let end = markdown.range(of: "\n## ", range: start.upperBound..<markdown.endIndex)?.lowerBound ?? markdown.endIndex
        let section = String(markdown[start.upperBound..<end])
        let named = Set(
            section.split(whereSeparator: { !($0.isLetter || $0 == "-") })
                .filter { $0.hasPrefix("--") && $0.dropFirst(2).first?.isLetter == true }.map(String.init))
        XCTAssertGreaterThanOrEqual(named.count, 8, "\(named)")
        let known = Set((commands.map(\.options) + [overview]).flatMap(\.options).flatMap(\.names))
        XCTAssertEqual(named.subtracting(known), [], "options in Docs/clients.md that no table has")
    }
}
