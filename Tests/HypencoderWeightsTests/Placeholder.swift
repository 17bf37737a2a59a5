import XCTest
final class WeightsPlaceholderTests: XCTestCase { func testNothing() {} }
