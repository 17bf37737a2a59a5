import XCTest
final class IndexPlaceholderTests: XCTestCase { func testNothing() {} }
