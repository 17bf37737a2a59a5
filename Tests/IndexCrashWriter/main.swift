// IndexCrashWriter: the child process of the index crash-safety test
// (Tests/HypencoderIndexTests/CrashSafetyTests.swift).
//
//   IndexCrashWriter write <directory> <seed> <first-op>
//       Opens the index and applies operations first-op, first-op+1, … of the deterministic
//       stream for <seed>, printing "ack <n>" (n = operations applied so far, counted from
//       the start of the stream) after each one returns — i.e. after it is durable. Runs
//       until killed. Every 25th operation is a checkpoint, every 60th a compaction.
//   IndexCrashWriter expect <seed> <n>
//       Prints the document set the stream leaves after n operations, computed in memory
//       without an index, in the format of `describe` below.
//
// The stream lives here, in one place, so the test never re-implements it.
import Foundation
import HypencoderIndex
import SeededRandom

let dimension = 4
let fingerprint = "crash-writer-model"
let idPool = 40

enum Operation {
    case upsert([DocumentUpsert])
    case delete([String])
    case checkpoint
    case compact
}

/// Operation `index` of the stream for `seed`; each operation has its own generator so a
/// restarted writer can begin anywhere.
func operation(seed: UInt64, index: Int) -> Operation {
    if index % 60 == 59 { return .compact }
    if index % 25 == 24 { return .checkpoint }
    var rng = SplitMix64(seed: seed &* 0x1000_0000_01B3 &+ UInt64(index))
    if rng.below(10) < 3 {
        return .delete((0...rng.below(3)).map { _ in "doc-\(rng.below(idPool))" })
    }
    return .upsert(
        (0...rng.below(4)).map { _ in
            let id = "doc-\(rng.below(idPool))"
            let vector = (0..<dimension).map { _ in Float(rng.below(2001) - 1000) / 100 }
            let hasText = rng.below(2) == 0
            return DocumentUpsert(
                id: id, vector: vector, metadata: Array("{\"op\":\(index)}".utf8),
                text: hasText ? "text of \(id) from operation \(index)" : nil)
        })
}

/// One line per document, sorted by id; floats as bit patterns so comparison is exact.
func describe(_ documents: [(id: String, vector: [Float], metadata: [UInt8]?, text: String?)]) -> String {
    documents.sorted { $0.id < $1.id }.map { document in
        let vector = document.vector.map { String($0.bitPattern, radix: 16) }.joined(separator: ",")
        let metadata = document.metadata.map { String(decoding: $0, as: UTF8.self) } ?? "-"
        return "\(document.id)\t\(vector)\t\(metadata)\t\(document.text ?? "-")"
    }.joined(separator: "\n")
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("IndexCrashWriter: \(message)\n".utf8))
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count == 5 || (arguments.count == 4 && arguments[1] == "expect") else {
    fail("usage: IndexCrashWriter write <directory> <seed> <first-op> | expect <seed> <n>")
}

switch arguments[1] {
case "expect":
    guard let seed = UInt64(arguments[2]), let count = Int(arguments[3]) else { fail("bad numbers") }
    var state: [String: DocumentUpsert] = [:]
    for index in 0..<count {
        switch operation(seed: seed, index: index) {
        case .upsert(let documents): for document in documents { state[document.id] = document }
        case .delete(let ids): for id in ids { state[id] = nil }
        case .checkpoint, .compact: break
        }
    }
    print(describe(state.values.map { ($0.id, $0.vector, $0.metadata, $0.text) }))
case "write":
    guard let seed = UInt64(arguments[3]), let first = Int(arguments[4]) else { fail("bad numbers") }
    do {
        let index = try DocumentIndex.open(directory: arguments[2], fingerprint: fingerprint, dimension: dimension)
        var number = first
        while true {
            switch operation(seed: seed, index: number) {
            case .upsert(let documents): try index.upsert(documents)
            case .delete(let ids): try index.delete(ids: ids)
            case .checkpoint: try index.checkpoint()
            case .compact: try index.compact()
            }
            number += 1
            // Unbuffered write: the line is in the pipe before the next operation starts.
            FileHandle.standardOutput.write(Data("ack \(number)\n".utf8))
        }
    } catch {
        fail("\(error)")
    }
default:
    fail("unknown mode \(arguments[1])")
}
