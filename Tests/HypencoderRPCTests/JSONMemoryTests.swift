/// Checks that parsing frees every jansson tree: 100,000 parse/serialize cycles of a
/// realistic request must not grow the process's resident memory. A leak of even one small
/// `json_t` node per message would add megabytes.
import Foundation
import XCTest

@testable import HypencoderRPC

final class JSONMemoryTests: XCTestCase {
    /// Resident set size in bytes, from /proc/self/statm (Linux only).
    private func residentBytes() -> Int? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else {
            return nil
        }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    func testParsingAndSerializingManyMessagesKeepsMemoryFlat() throws {
        let message = bytes(
            #"""
            {"jsonrpc":"2.0","id":12,"method":"search","params":{"query":"how many states are there in india",
            "k":10,"mode":"approximate","vector":[0.1,-2.5,3e-7,4,5,6,7,8],"filter":{"tags":["a","b","c"],
            "exclude":null,"strict":true},"note":"caf\u00e9 \ud83d\ude00"}}
            """#)
        let failing = bytes(#"{"jsonrpc":"2.0","id":1,"params":{"a":[1,2,3],"a":4}}"#)

        func cycle(_ count: Int) throws {
            for _ in 0..<count {
                let value = try JSONValue.parse(message)
                XCTAssertFalse(value.serialized().isEmpty)
                // Error paths must free the partial tree too.
                XCTAssertThrowsError(try JSONValue.parse(failing))
            }
        }

        try cycle(10_000)  // warm up allocator caches
        guard let before = residentBytes() else { throw XCTSkip("no /proc/self/statm") }
        try cycle(100_000)
        guard let after = residentBytes() else { throw XCTSkip("no /proc/self/statm") }
        // One leaked tree per message would be well over 100 MB; allow allocator noise.
        XCTAssertLessThan(after - before, 8 << 20, "RSS grew from \(before) to \(after) bytes")
    }
}
