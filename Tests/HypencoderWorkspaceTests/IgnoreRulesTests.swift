import XCTest

@testable import HypencoderWorkspace

/// Each piece of gitignore syntax on its own, then precedence between files. The expected
/// answers are git's (checked against `git check-ignore` when these cases were written).
final class IgnoreRulesTests: XCTestCase {
    private func rules(_ text: String, base: String = "") -> IgnoreRules {
        var rules = IgnoreRules()
        rules.add(patternsFrom: text, baseDirectory: base)
        return rules
    }

    private func assertIgnored(
        _ rules: IgnoreRules, _ path: String, directory: Bool = false, _ expected: Bool, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertEqual(
            rules.isIgnored(relativePath: path, isDirectory: directory), expected,
            "\(path) should \(expected ? "" : "not ")be ignored", file: file, line: line)
    }

    func testCommentsBlankLinesAndTrailingSpaces() {
        let rules = rules("# a comment\n\n   \nnotes.txt   \n\\#hash\nspace\\ \n")
        XCTAssertFalse(rules.isEmpty)
        assertIgnored(rules, "notes.txt", true)  // trailing spaces dropped
        assertIgnored(rules, "# a comment", false)
        assertIgnored(rules, "#hash", true)  // escaped: a pattern, not a comment
        assertIgnored(rules, "space ", true)  // escaped trailing space kept
        assertIgnored(rules, "space", false)
        XCTAssertTrue(self.rules("# only\n\n").isEmpty)
    }

    func testWindowsLineEndings() {
        let rules = rules("*.log\r\n!keep.log\r\n")
        assertIgnored(rules, "a.log", true)
        assertIgnored(rules, "keep.log", false)
    }

    func testNegationReincludesAndLastMatchWins() {
        let rules = rules("*.log\n!keep.log\n!*.debug.log\nnoisy.debug.log\n\\!bang")
        assertIgnored(rules, "a.log", true)
        assertIgnored(rules, "keep.log", false)
        assertIgnored(rules, "src/keep.log", false)
        assertIgnored(rules, "x.debug.log", false)
        assertIgnored(rules, "noisy.debug.log", true)  // the later rule wins
        assertIgnored(rules, "!bang", true)  // `\!` is a literal `!`
        assertIgnored(rules, "bang", false)
    }

    func testLeadingSlashAnchorsToTheIgnoreFilesDirectory() {
        let anchored = rules("/build")
        assertIgnored(anchored, "build", directory: true, true)
        assertIgnored(anchored, "src/build", directory: true, false)
        let floating = rules("build")
        assertIgnored(floating, "build", directory: true, true)
        assertIgnored(floating, "src/build", directory: true, true)
        let nested = rules("/build", base: "app")
        assertIgnored(nested, "app/build", true)
        assertIgnored(nested, "app/src/build", false)
        assertIgnored(nested, "build", false)
    }

    func testSlashInTheMiddleAnchorsToo() {
        let rules = rules("doc/frotz\nsrc/*.c")
        assertIgnored(rules, "doc/frotz", true)
        assertIgnored(rules, "a/doc/frotz", false)
        assertIgnored(rules, "src/main.c", true)
        assertIgnored(rules, "src/sub/main.c", false)  // `*` does not cross `/`
        assertIgnored(rules, "lib/src/main.c", false)
        let nested = self.rules("doc/frotz", base: "sub")
        assertIgnored(nested, "sub/doc/frotz", true)
        assertIgnored(nested, "doc/frotz", false)
    }

    func testTrailingSlashMatchesDirectoriesOnly() {
        let rules = rules("logs/\nout/tmp/")
        assertIgnored(rules, "logs", directory: true, true)
        assertIgnored(rules, "deep/logs", directory: true, true)
        assertIgnored(rules, "logs", directory: false, false)
        assertIgnored(rules, "out/tmp", directory: true, true)
        assertIgnored(rules, "out/tmp", directory: false, false)
    }

    func testStarAndQuestionMark() {
        let rules = rules("*.o\n?.txt\na*z")
        assertIgnored(rules, "main.o", true)
        assertIgnored(rules, "deep/dir/main.o", true)
        assertIgnored(rules, "main.oo", false)
        assertIgnored(rules, "a.txt", true)
        assertIgnored(rules, "ab.txt", false)
        assertIgnored(rules, ".txt", false)
        assertIgnored(rules, "az", true)
        assertIgnored(rules, "abcz", true)
        XCTAssertFalse(self.rules("a?b").isIgnored(relativePath: "a/b", isDirectory: false), "? never matches /")
        XCTAssertFalse(self.rules("x/a*b").isIgnored(relativePath: "x/a/b", isDirectory: false), "* never matches /")
    }

    func testBracketClasses() {
        let rules = rules("[abc].md\nfile[0-9].txt\n[!a-y]z.c\n[]]x\n[[:digit:]][[:upper:]].dat\n[\\]]y")
        assertIgnored(rules, "a.md", true)
        assertIgnored(rules, "d.md", false)
        assertIgnored(rules, "file7.txt", true)
        assertIgnored(rules, "fileA.txt", false)
        assertIgnored(rules, "zz.c", true)
        assertIgnored(rules, "bz.c", false)
        assertIgnored(rules, "]x", true)  // the first `]` in a class is literal
        assertIgnored(rules, "4Q.dat", true)
        assertIgnored(rules, "4q.dat", false)
        assertIgnored(rules, "]y", true)
        assertIgnored(self.rules("[^a]b"), "cb", true)
        assertIgnored(self.rules("[^a]b"), "ab", false)
        assertIgnored(self.rules("[abc"), "a", false)  // an unclosed class matches nothing
        assertIgnored(self.rules("a[/]b"), "a/b", false)  // a class never matches `/`
    }

    func testDoubleStar() {
        let leading = rules("**/cache")
        for path in ["cache", "a/cache", "a/b/cache"] { assertIgnored(leading, path, directory: true, true) }
        assertIgnored(leading, "a/cached", directory: true, false)
        let leadingTwoSegments = rules("**/foo/bar")
        assertIgnored(leadingTwoSegments, "foo/bar", true)
        assertIgnored(leadingTwoSegments, "x/y/foo/bar", true)
        assertIgnored(leadingTwoSegments, "x/foo/baz", false)

        let trailing = rules("abc/**")
        assertIgnored(trailing, "abc", directory: true, false)  // the contents, not the directory
        assertIgnored(trailing, "abc/x", true)
        assertIgnored(trailing, "abc/x/y/z", true)
        assertIgnored(trailing, "x/abc/y", false)

        let middle = rules("a/**/b")
        for path in ["a/b", "a/x/b", "a/x/y/b"] { assertIgnored(middle, path, true) }
        assertIgnored(middle, "a/xb", false)
        assertIgnored(middle, "x/a/b", false)

        // `**` that is not a whole segment is an ordinary `*`.
        let inSegment = rules("x**y")
        assertIgnored(inSegment, "xabcy", true)
        assertIgnored(inSegment, "x/y", false)

        // Git's quirk: a path pattern's literal start is compared apart, so `**` right after it
        // acts as a leading `**/` (`c**/a` matches the directory `ca`, as `git status` shows).
        let afterLiteral = rules("c**/a")
        assertIgnored(afterLiteral, "ca", directory: true, true)
        assertIgnored(afterLiteral, "cx/a", true)
        assertIgnored(afterLiteral, "cb", directory: true, false)
    }

    func testBackslashEscapesGlobCharacters() {
        let rules = rules("\\*star\nq\\?\n\\[x]")
        assertIgnored(rules, "*star", true)
        assertIgnored(rules, "a-star", false)
        assertIgnored(rules, "q?", true)
        assertIgnored(rules, "qa", false)
        assertIgnored(rules, "[x]", true)
        assertIgnored(rules, "x", false)
    }

    func testDeeperFilesOverrideShallowerOnesAndStayInTheirDirectory() {
        var rules = IgnoreRules()
        rules.add(patternsFrom: "*.txt\n", baseDirectory: "")
        rules.add(patternsFrom: "!*.txt\nlocal.md\n", baseDirectory: "docs")
        rules.add(patternsFrom: "secret.txt\n", baseDirectory: "docs/private/")
        assertIgnored(rules, "a.txt", true)
        assertIgnored(rules, "src/a.txt", true)
        assertIgnored(rules, "docs/a.txt", false)  // re-included by the deeper file
        assertIgnored(rules, "docs/deep/a.txt", false)
        assertIgnored(rules, "docs/private/secret.txt", true)  // excluded again, deeper still
        assertIgnored(rules, "docs/private/other.txt", false)
        assertIgnored(rules, "docs/local.md", true)
        assertIgnored(rules, "local.md", false)  // docs' rules do not reach the root
        assertIgnored(rules, "documents/local.md", false)  // nor a sibling sharing its prefix
    }

    func testLaterFileInOneDirectoryOverridesEarlier() {
        var rules = IgnoreRules()
        rules.add(patternsFrom: "*.gen\n", baseDirectory: "")  // say .gitignore
        rules.add(patternsFrom: "!wanted.gen\n", baseDirectory: "")  // then .hypencoderignore
        assertIgnored(rules, "other.gen", true)
        assertIgnored(rules, "wanted.gen", false)
    }
}
