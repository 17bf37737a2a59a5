import Foundation
import XCTest

@testable import HypencoderWeights

final class TorchArchiveReaderTests: XCTestCase {
    /// Archives written by real `torch.save` read back to exactly what torch reports.
    func testReferenceArchivesMatchTorch() throws {
        for name in ["shared_storage", "noncontiguous", "float16", "bfloat16", "module_state"] {
            let expected = try ExpectedTensors(path: TestSupport.fixture("\(name).expected.json"))
            let contents = try TorchArchiveReader.read(path: TestSupport.fixture("\(name).bin"))
            XCTAssertEqual(Set(contents.tensors.keys), Set(expected.tensors.keys), name)
            for (key, tensor) in contents.tensors {
                assertSameValues(tensor, expected.tensors[key], "\(name) \(key)")
            }
        }
    }

    func testIntegerBufferIsSkippedUnlessAsked() throws {
        let path = TestSupport.fixture("module_state.bin")
        let contents = try TorchArchiveReader.read(path: path)
        XCTAssertEqual(contents.skipped["position_ids"], "I64")
        XCTAssertNotNil(contents.tensors["norm.weight"])
        let expected = try ExpectedTensors(path: TestSupport.fixture("module_state.expected.json"))
        let asked = try WeightFile.read(path: path, integerBuffers: true)
        assertSameValues(asked.tensors["position_ids"], expected.integers["position_ids"], "position_ids")
    }

    /// Two names on one storage become one array, not two copies.
    func testSharedStorageIsConvertedOnce() throws {
        let contents = try TorchArchiveReader.read(path: TestSupport.fixture("shared_storage.bin"))
        let query = try XCTUnwrap(contents.tensors["query_encoder.transformer.w"])
        let passage = try XCTUnwrap(contents.tensors["passage_encoder.transformer.w"])
        let queryAddress = query.values.withUnsafeBufferPointer { $0.baseAddress }
        let passageAddress = passage.values.withUnsafeBufferPointer { $0.baseAddress }
        XCTAssertEqual(queryAddress, passageAddress)
    }

    func testSelectionSkipsUnwantedTensors() throws {
        let contents = try TorchArchiveReader.read(path: TestSupport.fixture("noncontiguous.bin")) { _ in ["cube"] }
        XCTAssertEqual(Array(contents.tensors.keys), ["cube"])
    }

    /// The torch-written pickle would run `os.system("touch <marker>")` in Python.
    func testHostilePickleIsRefusedWithoutRunning() throws {
        let marker = "/tmp/hypencoder-hostile-pickle-marker"
        try? FileManager.default.removeItem(atPath: marker)
        let path = TestSupport.fixture("hostile_os_system.bin")
        XCTAssertThrowsError(try TorchArchiveReader.read(path: path)) { error in
            guard case .forbiddenPickle(let errorPath, let reason)? = error as? ModelError else {
                return XCTFail("expected forbiddenPickle, got \(error)")
            }
            XCTAssertEqual(errorPath, path)
            XCTAssertTrue(reason.contains("'posix.system'"), reason)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
    }

    private func archive(
        pickle: PickleBuilder, storages: [String: [UInt8]] = [:], method: UInt16 = 0, zip64: Bool = false
    ) throws -> String {
        var zip = ZipWriter()
        zip.zip64 = zip64
        zip.entries.append(("model/data.pkl", pickle.bytes, method))
        for (key, data) in storages.sorted(by: { $0.key < $1.key }) { zip.entries.append(("model/data/\(key)", data, 0)) }
        let path = try TestSupport.temporaryDirectory(self) + "/pytorch_model.bin"
        try TestSupport.write(zip.bytes(), to: path)
        return path
    }

    func testForbiddenGlobalsAreNamed() throws {
        let cases: [(module: String, name: String, stackGlobal: Bool)] = [
            ("os", "system", false), ("builtins", "eval", true), ("__builtin__", "exec", false),
            ("torch", "load", false), ("collections", "defaultdict", true),
        ]
        for (module, name, stackGlobal) in cases {
            var pickle = PickleBuilder()
            if stackGlobal {
                pickle.bytes[1] = 4
                pickle.string(module)
                pickle.string(name)
                pickle.op(0x93)
            } else {
                pickle.global(module, name)
            }
            pickle.string("echo hi")
            pickle.op(0x85)
            pickle.op(0x52)
            pickle.op(0x2E)
            let path = try archive(pickle: pickle)
            XCTAssertThrowsError(try TorchArchiveReader.read(path: path)) { error in
                guard case .forbiddenPickle(_, let reason)? = error as? ModelError else {
                    return XCTFail("\(module).\(name): expected forbiddenPickle, got \(error)")
                }
                XCTAssertTrue(reason.contains("'\(module).\(name)'"), reason)
            }
        }
    }

    func testSwiftBuiltArchiveWithStridedView() throws {
        var pickle = PickleBuilder()
        pickle.global("collections", "OrderedDict")
        pickle.op(0x29)
        pickle.op(0x52)
        pickle.string("t")
        pickle.tensor("FloatStorage", key: "0", count: 6, offset: 1, size: [2, 2], stride: [1, 2])
        pickle.op(0x73)
        pickle.op(0x2E)
        var data: [UInt8] = []
        for value: Float in [0, 1, 2, 3, 4, 5] { data.appendLE(value.bitPattern) }
        let contents = try TorchArchiveReader.read(path: try archive(pickle: pickle, storages: ["0": data]))
        XCTAssertEqual(contents.tensors["t"], Tensor(shape: [2, 2], values: [1, 3, 2, 4]))
    }

    func testZip64Archive() throws {
        var pickle = PickleBuilder()
        pickle.op(0x7D)
        pickle.string("t")
        pickle.tensor("HalfStorage", key: "7", count: 2, offset: 0, size: [2], stride: [1])
        pickle.op(0x73)
        pickle.op(0x2E)
        let path = try archive(pickle: pickle, storages: ["7": [0x00, 0x3C, 0x00, 0xC0]], zip64: true)
        XCTAssertEqual(try TorchArchiveReader.read(path: path).tensors["t"], Tensor(shape: [2], values: [1, -2]))
    }

    func testViewOutsideStorageIsRefused() throws {
        var pickle = PickleBuilder()
        pickle.op(0x7D)
        pickle.string("t")
        pickle.tensor("FloatStorage", key: "0", count: 2, offset: 1, size: [2], stride: [1])
        pickle.op(0x73)
        pickle.op(0x2E)
        let path = try archive(pickle: pickle, storages: ["0": [UInt8](repeating: 0, count: 8)])
        TestSupport.assertFormatError(mentioning: ["'t'", "reaches element 2"]) { try TorchArchiveReader.read(path: path) }
    }

    func testStorageLargerThanEntryIsRefused() throws {
        var pickle = PickleBuilder()
        pickle.op(0x7D)
        pickle.string("t")
        pickle.tensor("FloatStorage", key: "0", count: 1 << 40, offset: 0, size: [1 << 40], stride: [1])
        pickle.op(0x73)
        pickle.op(0x2E)
        let path = try archive(pickle: pickle, storages: ["0": [UInt8](repeating: 0, count: 8)])
        TestSupport.assertFormatError(mentioning: ["'t'", "holds 8 bytes"]) { try TorchArchiveReader.read(path: path) }
    }

    func testCompressedEntryIsRefused() throws {
        var pickle = PickleBuilder()
        pickle.op(0x7D)
        pickle.op(0x2E)
        let path = try archive(pickle: pickle, method: 8)
        TestSupport.assertFormatError(mentioning: ["'model/data.pkl'", "compression method 8"]) {
            try TorchArchiveReader.read(path: path)
        }
    }

    func testMalformedPicklesGiveErrors() throws {
        let programs: [(bytes: [UInt8], mention: String)] = [
            ([0x80, 2, 0x2E], "empty stack"),
            ([0x80, 2, 0x7D, 0x68, 9, 0x2E], "memo entry 9"),
            ([0x80, 2, 0xFF], "opcode 0xff"),
            ([0x80, 2, 0x58, 0xFF, 0xFF, 0xFF, 0x7F], "exceeds the pickle's size"),
            ([0x80, 2, 0x58, 3, 0, 0, 0, 0x41], "past the end"),
            ([0x80, 2, 0x4E, 0x4E, 0x4E, 0x73, 0x2E], "not a dict"),
            ([0x80, 2, 0x8A, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9], "does not fit 64 bits"),
            ([0x80, 2, 0x74], "no MARK"),
            ([0x80, 2, 0x4E, 0x2E], "not a state dict"),
        ]
        for (bytes, mention) in programs {
            var pickle = PickleBuilder()
            pickle.bytes = bytes
            let path = try archive(pickle: pickle)
            TestSupport.assertFormatError(mentioning: [mention]) { try TorchArchiveReader.read(path: path) }
        }
    }

    /// A 300,000-deep tuple chain and a dict that contains itself: freeing them naively
    /// would recurse 300,000 frames deep (a crash) or leak; the reader must just answer.
    func testDeepNestingAndCyclesDoNotCrash() throws {
        var deep = PickleBuilder()
        deep.op(0x4E)
        deep.bytes += [UInt8](repeating: 0x85, count: 300_000)
        deep.op(0x30)
        deep.op(0x7D)
        deep.op(0x2E)
        XCTAssertEqual(try TorchArchiveReader.read(path: try archive(pickle: deep)).tensors.count, 0)

        var cycle = PickleBuilder()
        cycle.op(0x7D)
        cycle.bytes += [0x71, 0]
        cycle.string("self")
        cycle.bytes += [0x68, 0]
        cycle.op(0x73)
        cycle.op(0x2E)
        XCTAssertEqual(try TorchArchiveReader.read(path: try archive(pickle: cycle)).skipped["self"], "dict")
    }

    /// The pre-1.6 format is a bare pickle stream; it starts with torch's pickled magic
    /// number (PROTO 2, LONG1 0x1950a86a20f9469cfc6c).
    func testLegacyFormatIsRefusedClearly() throws {
        let path = try TestSupport.temporaryDirectory(self) + "/pytorch_model.bin"
        try TestSupport.write(
            [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E], to: path)
        TestSupport.assertFormatError(mentioning: ["legacy", "torch.save"]) { try TorchArchiveReader.read(path: path) }
    }

    func testTruncatedZipIsRefused() throws {
        let original = try Data(contentsOf: URL(fileURLWithPath: TestSupport.fixture("module_state.bin")))
        let directory = try TestSupport.temporaryDirectory(self)
        for keep in [0, 10, original.count / 2, original.count - 1] {
            let path = directory + "/cut\(keep).bin"
            try TestSupport.write(Array(original.prefix(keep)), to: path)
            TestSupport.assertFormatError(mentioning: [path]) { try TorchArchiveReader.read(path: path) }
        }
    }

    /// Random byte corruption of a real archive must give a result or a ModelError, never
    /// a crash (the test process would die). Deterministic: a fixed splitmix64 stream.
    func testCorruptedArchivesNeverCrash() throws {
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestSupport.fixture("noncontiguous.bin"))))
        let path = try TestSupport.temporaryDirectory(self) + "/fuzz.bin"
        var state: UInt64 = 0x1234_5678
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<(1 + Int(next() % 4)) {
                bytes[Int(next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: next())
            }
            try TestSupport.write(bytes, to: path)
            do { _ = try TorchArchiveReader.read(path: path) } catch is ModelError {}
        }
    }
}
