import Foundation
import HypencoderTestSupport
import XCTest

/// The `hypencoder` examples in Docs/clients.md work as written: each line of the first
/// ```sh block that starts with `hypencoder ` is run, in order, against a real daemon from a
/// directory holding the files the examples name (`docs.jsonl`, `beir/`).
final class DocsExamplesTests: XCTestCase {
    func testEveryClientExampleInTheDocsSucceeds() throws {
        let markdown = try String(contentsOfFile: TestPaths.repositoryRoot + "/Docs/clients.md", encoding: .utf8)
        let examples = try Self.firstShellBlock(markdown).filter { $0.hasPrefix("hypencoder ") }
        XCTAssertGreaterThanOrEqual(examples.count, 10, "expected the examples block in Docs/clients.md")

        let daemon = try TestDaemon()
        let workspace = daemon.directory + "/docs"
        try TinyBEIR.write(to: workspace + "/beir")
        try "{\"id\": \"note-1\", \"text\": \"Remember to buy yeast.\", \"metadata\": {\"kind\": \"note\"}}\n"
            .write(toFile: workspace + "/docs.jsonl", atomically: true, encoding: .utf8)
        let hypencoder = try TestPaths.product("hypencoder")
        for example in examples {
            let words = try Self.shellWords(String(example.dropFirst("hypencoder ".count)))
            let outcome = try runProcess(hypencoder, ["--socket", daemon.socketPath] + words, currentDirectory: workspace)
            XCTAssertEqual(outcome.status, 0, "`\(example)` failed: \(outcome.stderr)")
            XCTAssertFalse(outcome.stdout.isEmpty, "`\(example)` printed nothing")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: workspace + "/run.trec"))
    }

    private static func firstShellBlock(_ markdown: String) throws -> [String] {
        let lines = markdown.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: "```sh"),
            let end = lines[(start + 1)...].firstIndex(of: "```")
        else {
            throw TestFailure("no ```sh block in Docs/clients.md")
        }
        return Array(lines[(start + 1)..<end])
    }

    /// Splits like a POSIX shell for what the docs use: spaces, '...' and "..." quoting.
    private static func shellWords(_ line: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character == " " {
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            } else {
                current.append(character)
                inWord = true
            }
        }
        guard quote == nil else { throw TestFailure("unbalanced quote in: \(line)") }
        if inWord { words.append(current) }
        return words
    }
}
