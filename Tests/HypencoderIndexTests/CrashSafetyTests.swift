import Foundation
import SeededRandom
import XCTest

@testable import HypencoderIndex

/// Runs `IndexCrashWriter` (Tests/IndexCrashWriter/main.swift) as a real child process, kills
/// it with SIGKILL at 30 pseudo-random moments (after a random number of acknowledgements
/// plus a random delay), and after each kill reopens the index and
/// checks that it opens, that every acknowledged operation is present, and that nothing is
/// half-applied: the state must equal the stream's state after exactly the acknowledged
/// operations, or after one more (an operation can be durable just before its "ack" line).
/// The writer resumes each time from where the reopened index is, so the 30 runs build one
/// long history through checkpoints and compactions.
final class CrashSafetyTests: XCTestCase {
    private let seed: UInt64 = 20_251_125
    private let fingerprint = "crash-writer-model"

    /// The built `IndexCrashWriter`, which SwiftPM puts beside the test bundle.
    private func writerExecutable() throws -> String {
        let bundle = Bundle(for: CrashSafetyTests.self).bundleURL
        let candidates = [
            bundle.deletingLastPathComponent(), bundle, Bundle.main.bundleURL,
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        ]
        for directory in candidates {
            let path = directory.appendingPathComponent("IndexCrashWriter").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw IndexError.invalidArgument("IndexCrashWriter not found")
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        return (process, output, errors)
    }

    /// The stream's document set after `operations` operations, from the writer itself.
    private func expectedState(_ executable: String, after operations: Int) throws -> String {
        let (process, output, _) = try run(executable, ["expect", "\(seed)", "\(operations)"])
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
    }

    /// The reopened index in the writer's `describe` format.
    private func actualState(_ index: DocumentIndex) throws -> String {
        var lines: [String] = []
        try index.forEachDocument { document in
            let vector = document.vector.map { String($0.bitPattern, radix: 16) }.joined(separator: ",")
            let metadata = document.metadata.map { String(decoding: $0, as: UTF8.self) } ?? "-"
            lines.append("\(document.id)\t\(vector)\t\(metadata)\t\(document.text ?? "-")")
        }
        return lines.sorted().joined(separator: "\n")
    }

    func testEveryAcknowledgedUpdateSurvivesSIGKILL() throws {
        let executable: String
        do { executable = try writerExecutable() } catch {
            return XCTFail(
                "IndexCrashWriter is not built next to the test bundle (\(Bundle(for: CrashSafetyTests.self).bundleURL.path)); run `swift build --build-tests` first"
            )
        }
        let directory = makeTemporaryDirectory(self) + "/index"
        var random = SplitMix64(seed: seed)
        var applied = 0
        var promised = 0
        for round in 0..<30 {
            let (process, output, errors) = try run(executable, ["write", directory, "\(seed)", "\(applied)"])
            // A hang guard, not a timing assertion: a stuck writer is killed so reads end.
            let guardKill = DispatchWorkItem { kill(process.processIdentifier, SIGKILL) }
            DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: guardKill)
            // Wait for a random number of acknowledgements (0 = kill while opening), then a
            // random 0–20 ms more so the kill lands anywhere inside the next operation.
            let target = random.below(31)
            var printed = ""
            while printed.filter({ $0 == "\n" }).count < target {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                printed += String(decoding: chunk, as: UTF8.self)
            }
            usleep(UInt32(random.below(20_000)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            guardKill.cancel()
            printed += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let acknowledged =
                printed.split(separator: "\n").compactMap { line -> Int? in
                    line.hasPrefix("ack ") ? Int(line.dropFirst(4)) : nil
                }.last ?? applied
            guard process.terminationReason == .uncaughtSignal else {
                let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                return XCTFail("round \(round): writer exited by itself (status \(process.terminationStatus)): \(message)")
            }
            promised += target

            let index: DocumentIndex
            do {
                index = try DocumentIndex.open(directory: directory, fingerprint: fingerprint, dimension: 4)
            } catch {
                return XCTFail("round \(round): index does not reopen after SIGKILL: \(error)")
            }
            let state = try actualState(index)
            index.close()
            if state == (try expectedState(executable, after: acknowledged)) {
                applied = acknowledged
            } else if state == (try expectedState(executable, after: acknowledged + 1)) {
                applied = acknowledged + 1
            } else {
                return XCTFail(
                    "round \(round): after \(acknowledged) acknowledged operations the index matches neither that state nor the next one"
                )
            }
        }
        XCTAssertGreaterThanOrEqual(applied, promised, "every round waited for its acknowledgements")
        XCTAssertGreaterThan(promised, 120, "the stream passes several checkpoints (every 25) and compactions (every 60)")
    }
}
