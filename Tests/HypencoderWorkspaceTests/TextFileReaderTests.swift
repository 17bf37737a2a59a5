import Foundation
import XCTest

@testable import HypencoderWorkspace

/// Reading real files: text, binary by NUL or by invalid UTF-8, the byte-order mark, and the
/// ways a listed path can have stopped being a readable regular file.
final class TextFileReaderTests: XCTestCase {
    private var tree: TemporaryTree!

    override func setUpWithError() throws { tree = try TemporaryTree() }
    override func tearDown() { tree.remove() }

    private func read(_ bytes: [UInt8], maxBytes: Int = 1 << 20) throws -> TextFileContent {
        try tree.write("file", bytes: bytes)
        return TextFileReader.read(path: tree.path("file"), maxBytes: maxBytes)
    }

    func testPlainUTF8TextIsReturnedWhole() throws {
        let text = "naïve café — 日本語 🙂\nsecond line\r\n"
        XCTAssertEqual(try read(Array(text.utf8)), .text(text))
        XCTAssertEqual(try read([]), .text(""))
    }

    func testANulByteInTheFirst8KiBMeansBinary() throws {
        XCTAssertEqual(try read(Array("abc\u{0}def".utf8)), .binary)
        XCTAssertEqual(try read([UInt8](repeating: 0x61, count: 8191) + [0]), .binary)
        // A NUL after the probe window is valid UTF-8 and not looked for.
        let late = [UInt8](repeating: 0x61, count: 8192) + [0, 0x62]
        XCTAssertEqual(try read(late), .text(String(decoding: late, as: UTF8.self)))
    }

    func testInvalidUTF8MeansBinary() throws {
        XCTAssertEqual(try read([0x61, 0xFF, 0x62]), .binary)  // never valid in UTF-8
        XCTAssertEqual(try read([0x61, 0xC3]), .binary)  // truncated sequence
        XCTAssertEqual(try read([0x80, 0x61]), .binary)  // lone continuation byte
        XCTAssertEqual(try read([0xC0, 0x80]), .binary)  // overlong NUL
        XCTAssertEqual(try read([0xED, 0xA0, 0x80]), .binary)  // UTF-16 surrogate
        XCTAssertEqual(try read([0xE9, 0x74, 0xE9]), .binary)  // "été" in Latin-1
    }

    func testAByteOrderMarkIsStripped() throws {
        XCTAssertEqual(try read([0xEF, 0xBB, 0xBF] + Array("hello".utf8)), .text("hello"))
        XCTAssertEqual(try read([0xEF, 0xBB, 0xBF]), .text(""))
        // Only at the start: a BOM later is an ordinary (zero-width) character.
        XCTAssertEqual(try read(Array("a\u{FEFF}b".utf8)), .text("a\u{FEFF}b"))
    }

    func testFilesThatGrewPastTheLimitAreNotCutShort() throws {
        XCTAssertEqual(try read(Array("12345".utf8), maxBytes: 5), .text("12345"))
        guard case .unreadable(let message) = try read(Array("123456".utf8), maxBytes: 5) else {
            return XCTFail("a file over the limit must not be read")
        }
        XCTAssertTrue(message.contains("larger than 5 bytes") && message.contains(tree.path("file")), message)
    }

    func testPathsThatAreNotReadableRegularFilesSaySo() throws {
        guard case .unreadable(let missing) = TextFileReader.read(path: tree.path("missing"), maxBytes: 100) else {
            return XCTFail("missing file")
        }
        XCTAssertTrue(missing.contains("No such file"), missing)

        try tree.makeDirectory("directory")
        XCTAssertEqual(
            TextFileReader.read(path: tree.path("directory"), maxBytes: 100),
            .unreadable("\(tree.path("directory")) is not a regular file"))

        try tree.write("target.txt", "t")
        try tree.makeSymbolicLink("link.txt", to: tree.path("target.txt"))
        guard case .unreadable = TextFileReader.read(path: tree.path("link.txt"), maxBytes: 100) else {
            return XCTFail("symbolic links are not followed")
        }

        // A FIFO would block a plain open(2) until a writer appears; the reader must not hang.
        XCTAssertEqual(mkfifo(tree.path("fifo"), 0o644), 0)
        XCTAssertEqual(
            TextFileReader.read(path: tree.path("fifo"), maxBytes: 100), .unreadable("\(tree.path("fifo")) is not a regular file")
        )
    }
}

/// FNV-1a against the published test vectors, and the properties the daemon relies on.
final class ContentHashTests: XCTestCase {
    func testKnownFNV1a64Vectors() {
        XCTAssertEqual(contentHash(""), "cbf29ce484222325")
        XCTAssertEqual(contentHash("a"), "af63dc4c8601ec8c")
        XCTAssertEqual(contentHash("foobar"), "85944171f73967e8")
    }

    func testStableAcrossInputFormsAndPieces() {
        let text = "func main() {\n    print(\"héllo\")\n}\n"
        let bytes = Array(text.utf8)
        XCTAssertEqual(contentHash(text), contentHash(bytes))
        XCTAssertEqual(contentHash(text), contentHash(Data(bytes)))
        XCTAssertEqual(contentHash(text), contentHash(AnySequence(bytes)))  // the non-contiguous path
        var pieces = FNV1a64()
        pieces.combine(bytes[..<7])
        pieces.combine(bytes[7...])
        XCTAssertEqual(pieces.hexDigest, contentHash(text))
        XCTAssertEqual(contentHash(text), contentHash(String(text)))
    }

    func testDifferentContentsHashDifferently() {
        let base = "let x = 1\n"
        let variants = [base, "let x = 2\n", "let x = 1", "let x = 1\n\n", "Let x = 1\n", "let  x = 1\n"]
        XCTAssertEqual(Set(variants.map(contentHash)).count, variants.count)
        let hash = contentHash(base)
        XCTAssertEqual(hash.count, 16)
        XCTAssertTrue(hash.allSatisfy { "0123456789abcdef".contains($0) })
        // A hash with leading zeros keeps all sixteen digits.
        var zeroLed = FNV1a64()
        for seed in 0..<100_000 where zeroLed.value >> 60 != 0 {
            zeroLed = FNV1a64()
            zeroLed.combine(Array(String(seed).utf8))
        }
        XCTAssertEqual(zeroLed.value >> 60, 0)
        XCTAssertEqual(zeroLed.hexDigest.count, 16)
        XCTAssertTrue(zeroLed.hexDigest.hasPrefix("0"))
    }
}
