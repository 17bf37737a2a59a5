import Foundation

/// One fuzz target: a parser of untrusted bytes, driven through the same entry point the
/// product uses. `run` must return normally for every input: a parser may refuse an input by
/// throwing (the target catches that), but it may never trap, overflow, leak a thread or read
/// out of bounds. Where it is cheap a target also checks an invariant of what it parsed (a
/// decode → encode → decode round trip, results that do not depend on how the bytes were
/// split); a broken invariant is reported through `FuzzCheck`, which traps under libFuzzer.
///
/// Targets are registered in `FuzzTargets.all` by name; `Scripts/fuzz` runs them with
/// libFuzzer and `FuzzRegressionTests` replays their seeds and regression inputs
/// (`Tests/Fuzz/regressions/<name>/`) in the ordinary test suite. See Docs/testing.md.
public struct FuzzTarget {
    /// The name `Scripts/fuzz` and the directories under `Tests/Fuzz/` use.
    public let name: String
    /// What the target parses, for `Scripts/fuzz list` and Docs/testing.md.
    public let summary: String
    /// libFuzzer's `-max_len` for this format.
    public let maxLength: Int
    /// Seed inputs made from the tests' real inputs (fixtures, files the code writes itself,
    /// documented requests), by file name; written to disk by `Scripts/fuzz`.
    public let seeds: () -> [(name: String, bytes: [UInt8])]
    /// Parses one input. Never traps.
    public let run: (UnsafeRawBufferPointer) -> Void

    public init(
        name: String, summary: String, maxLength: Int,
        seeds: @escaping () -> [(name: String, bytes: [UInt8])],
        run: @escaping (UnsafeRawBufferPointer) -> Void
    ) {
        self.name = name
        self.summary = summary
        self.maxLength = maxLength
        self.seeds = seeds
        self.run = run
    }

    /// Runs the target on an array (tests and the replay tool).
    public func run(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { run($0) }
    }
}

/// Every fuzz target, by name.
public enum FuzzTargets {
    public static let all: [FuzzTarget] =
        [
            FramingTarget.target,
            JSONTarget.target,
            RPCRequestTarget.target,
            MethodParamsTarget.target,
            SafetensorsTarget.target,
            TorchZipTarget.target,
            PickleTarget.target,
            ModelConfigTarget.target,
            VocabularyTarget.target,
            TokenizerTextTarget.target,
            NpyTarget.target,
        ] + IndexFilesTarget.targets

    public static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}

/// Invariant checks inside targets. Under libFuzzer (and in the replay tool) a failed check
/// traps, which libFuzzer reports as a crash and saves the input; the regression test
/// installs a handler that records an XCTest failure instead, so one bad input does not stop
/// the whole suite.
public enum FuzzCheck {
    nonisolated(unsafe) public static var failureHandler: ((String) -> Void)?

    public static func require(
        _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
        file: StaticString = #fileID, line: UInt = #line
    ) {
        guard !condition() else { return }
        let text = "\(file):\(line): fuzz invariant broken: \(message())"
        if let failureHandler {
            failureHandler(text)
        } else {
            fatalError(text)
        }
    }
}

/// Where the repository is, for fixtures and the generated test models: this file's path
/// (Tests/Fuzz/FuzzTargets/…), unless `HYPENCODER_REPOSITORY` says otherwise.
enum Repository {
    static let root: String = {
        if let root = ProcessInfo.processInfo.environment["HYPENCODER_REPOSITORY"], !root.isEmpty { return root }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }()

    static func path(_ relative: String) -> String { root + "/" + relative }

    /// The bytes of a repository file, or nil when it is missing (a seed source that a fresh
    /// clone has not generated yet is skipped, not an error).
    static func bytes(_ relative: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path(relative)).map { [UInt8]($0) }
    }

    /// The generated test models (`Scripts/make-test-models`); `HYPENCODER_FUZZ_MODEL` overrides.
    static var testModel: String? {
        let environment = ProcessInfo.processInfo.environment
        let candidate = environment["HYPENCODER_FUZZ_MODEL"] ?? path(".build/fixtures/models/small2-safetensors")
        return FileManager.default.fileExists(atPath: candidate + "/config.json") ? candidate : nil
    }
}

/// A private scratch directory for targets that must hand their input to a reader as a file
/// (the weight, config, vocabulary and index readers all take paths). On /dev/shm when there
/// is one, so a run does not wear a disk; removed when the process exits.
enum Scratch {
    static let directory: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = base + "/hypencoder-fuzz-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Scratch.directory) }
        return path
    }()

    /// A fresh empty directory `name` inside the scratch directory.
    static func emptyDirectory(_ name: String) -> String {
        let path = directory + "/" + name
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes `bytes` to `path` (replacing it), with plain POSIX calls: cheap, and no
    /// Foundation buffering between the input and the file.
    static func write(_ bytes: UnsafeRawBufferPointer, to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { fatalError("fuzz scratch: cannot create \(path): errno \(errno)") }
        var offset = 0
        while offset < bytes.count {
            let written = posixWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            guard written > 0 else { fatalError("fuzz scratch: cannot write \(path): errno \(errno)") }
            offset += written
        }
        close(fd)
    }

    static func write(_ bytes: [UInt8], to path: String) {
        bytes.withUnsafeBytes { write($0, to: path) }
    }
}

/// `write(2)`, named so that `Scratch.write` does not hide it.
private func posixWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

/// Seeds as UTF-8 text.
func textSeeds(_ texts: [(String, String)]) -> [(name: String, bytes: [UInt8])] {
    texts.map { (name: $0.0, bytes: Array($0.1.utf8)) }
}
