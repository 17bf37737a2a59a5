import XCTest
final class RPCPlaceholderTests: XCTestCase { func testNothing() {} }
