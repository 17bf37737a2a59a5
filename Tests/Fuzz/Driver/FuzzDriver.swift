import Foundation
import FuzzTargets

/// The fuzz driver. Built by Scripts/fuzz with `-sanitize=fuzzer,address
/// -DHYPENCODER_LIBFUZZER`, it is a libFuzzer binary (libFuzzer's own `main`) running the
/// target named by `HYPENCODER_FUZZ_TARGET`. In ordinary builds it is a replay tool:
///
///     hypencoder-fuzz list                      # name, -max_len, summary of every target
///     hypencoder-fuzz seeds TARGET DIRECTORY    # writes the target's generated seeds
///     hypencoder-fuzz TARGET FILE|DIRECTORY…    # runs each input once (a crash names it)
///
/// The libFuzzer binary answers `list` and `seeds` too, through the environment
/// (`HYPENCODER_FUZZ_LIST=1`, `HYPENCODER_FUZZ_SEEDS=DIRECTORY`), before fuzzing starts.
enum Driver {
    static func list() {
        for target in FuzzTargets.all { print("\(target.name)\t\(target.maxLength)\t\(target.summary)") }
    }

    static func writeSeeds(_ target: FuzzTarget, to directory: String) {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let seeds = target.seeds()
        for seed in seeds {
            _ = FileManager.default.createFile(atPath: directory + "/" + seed.name, contents: Data(seed.bytes))
        }
        FileHandle.standardError.write(Data("\(target.name): \(seeds.count) seeds in \(directory)\n".utf8))
    }

    static func target(named name: String?) -> FuzzTarget {
        guard let name, let target = FuzzTargets.named(name) else {
            FileHandle.standardError.write(
                Data(
                    "hypencoder-fuzz: unknown target '\(name ?? "")'; one of: \(FuzzTargets.all.map(\.name).joined(separator: ", "))\n"
                        .utf8))
            exit(64)
        }
        return target
    }

    /// Every regular file under `path` (or `path` itself), sorted.
    static func files(_ path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { path + "/" + $0 }.filter {
            var nested: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &nested) && !nested.boolValue
        }
    }
}

#if HYPENCODER_LIBFUZZER
    import CLibFuzzer

    nonisolated(unsafe) var selected: FuzzTarget?

    /// Called by libFuzzer before fuzzing: picks the target, or answers `list` / `seeds`.
    @_cdecl("LLVMFuzzerInitialize")
    public func fuzzerInitialize(
        _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
    ) -> Int32 {
        let environment = ProcessInfo.processInfo.environment
        if environment["HYPENCODER_FUZZ_LIST"] == "1" {
            Driver.list()
            exit(0)
        }
        let target = Driver.target(named: environment["HYPENCODER_FUZZ_TARGET"])
        if let directory = environment["HYPENCODER_FUZZ_SEEDS"] {
            Driver.writeSeeds(target, to: directory)
            exit(0)
        }
        selected = target
        return 0
    }

    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        selected!.run(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }

    /// SwiftPM gives every executable an entry point of its own name and links `main` to it, so
    /// the program starts here rather than in libFuzzer's `main`; this does what that would.
    @main
    struct FuzzMain {
        static func main() {
            var argc = CommandLine.argc
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
            exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzerTestOneInput(data, size) })
        }
    }
#else
    @main
    struct Replay {
        static func main() {
            let arguments = Array(CommandLine.arguments.dropFirst())
            switch arguments.first {
            case "list"?:
                Driver.list()
            case "seeds"? where arguments.count == 3:
                Driver.writeSeeds(Driver.target(named: arguments[1]), to: arguments[2])
            case let name? where arguments.count >= 2:
                let target = Driver.target(named: name)
                var count = 0
                for path in arguments.dropFirst().flatMap(Driver.files) {
                    FileHandle.standardError.write(Data("running \(path)\n".utf8))
                    target.run(FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? [])
                    count += 1
                }
                print("\(name): \(count) inputs, no crash")
            default:
                FileHandle.standardError.write(
                    Data("usage: hypencoder-fuzz list | seeds TARGET DIRECTORY | TARGET FILE|DIRECTORY…\n".utf8))
                exit(64)
            }
        }
    }
#endif
