import Foundation
import HypencoderModel

/// `hypencoder-model rank`: exact search of a BEIR-layout collection through the Swift
/// engine, written as a TREC run. Every document is encoded, every query gets its q-net and
/// the q-net scores every document, so the run measures the model and nothing else (no index,
/// no approximate search). Tools/eval/evaluate.py compares it with the PyTorch reference.
///
/// Documents are encoded as `title + " " + text`, exactly the string Tools/train/beir_data.py
/// builds, so the Swift and PyTorch paths see the same bytes.
struct RankCommand {
    static let usage = """
        usage: hypencoder-model rank --model DIR --corpus corpus.jsonl --queries queries.jsonl
                                     [--qrels FILE] --run OUT [-k 1000]
          --qrels  only rank the queries judged in this TSV (query-id, corpus-id, score; header optional)
          -k       documents kept per query (default 1000)
        """

    let directory: String
    let corpusPath: String
    let queriesPath: String
    let qrelsPath: String?
    let runPath: String
    let depth: Int

    /// Reads the words after `rank`; `-k N` is accepted as well as `--k N`.
    init(parsing words: ArraySlice<String>) throws {
        let normalised = words.map { $0 == "-k" ? "--k" : $0 }
        let arguments = try ArgumentList(
            normalised[...], valueOptions: ["model", "corpus", "queries", "qrels", "run", "k"], switches: [])
        guard arguments.positional.isEmpty else {
            throw UsageError("rank: unexpected argument '\(arguments.positional[0])'\n\(Self.usage)")
        }
        func required(_ name: String) throws -> String {
            guard let value = arguments.value(name) else { throw UsageError("rank needs --\(name)\n\(Self.usage)") }
            return value
        }
        directory = try required("model")
        corpusPath = try required("corpus")
        queriesPath = try required("queries")
        runPath = try required("run")
        qrelsPath = arguments.value("qrels")
        let k = arguments.value("k") ?? "1000"
        guard let parsed = Int(k), parsed > 0 else {
            throw UsageError("rank: -k must be a positive integer, got '\(k)'\n\(Self.usage)")
        }
        depth = parsed
    }

    func run() throws {
        let model = try HypencoderModel(directory: directory)
        let documents = try CollectionFile.read(
            corpusPath,
            textOf: { row in
                (row["title"] as? String ?? "") + " " + (row["text"] as? String ?? "")
            })
        var queries = try CollectionFile.read(queriesPath, textOf: { $0["text"] as? String ?? "" })
        if let qrelsPath {
            let judged = try CollectionFile.judgedQueries(qrelsPath)
            queries = queries.filter { judged.contains($0.id) }
        }
        guard !documents.isEmpty else { throw RankError("\(corpusPath): no documents") }
        guard !queries.isEmpty else { throw RankError("\(queriesPath): no queries to rank") }

        let started = Date()
        let dimension = model.config.bert.hiddenSize
        var vectors: [Float] = []
        vectors.reserveCapacity(documents.count * dimension)
        let chunk = 256
        for start in stride(from: 0, to: documents.count, by: chunk) {
            let texts = documents[start..<min(start + chunk, documents.count)].map(\.text)
            for vector in try model.encodeDocuments(texts) { vectors += vector }
            log(
                String(
                    format: "rank: %d/%d documents encoded (%.0f s)",
                    min(start + chunk, documents.count), documents.count, Date().timeIntervalSince(started)))
        }

        var lines: [String] = []
        let workspace = QNetWorkspace()
        var scores = [Float](repeating: 0, count: documents.count)
        let keep = min(depth, documents.count)
        for start in stride(from: 0, to: queries.count, by: 32) {
            let batch = Array(queries[start..<min(start + 32, queries.count)])
            let nets = try model.encodeQueries(batch.map(\.text))
            for (query, net) in zip(batch, nets) {
                try vectors.withUnsafeBufferPointer { documentsBuffer in
                    try scores.withUnsafeMutableBufferPointer { out in
                        guard let base = documentsBuffer.baseAddress, let target = out.baseAddress else { return }
                        try net.score(
                            documents: base, count: documents.count, dimension: dimension,
                            into: target, workspace: workspace)
                    }
                }
                // Highest score first; ties broken by corpus order so runs are reproducible.
                let ranked = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
                for (rank, index) in ranked.prefix(keep).enumerated() {
                    lines.append("\(query.id) Q0 \(documents[index].id) \(rank + 1) \(scores[index]) hypencoder")
                }
            }
        }
        let text = lines.joined(separator: "\n") + "\n"
        do {
            try text.write(toFile: runPath, atomically: true, encoding: .utf8)
        } catch {
            throw RankError("\(runPath): cannot write the run: \(error.localizedDescription)")
        }
        log(
            String(
                format: "rank: %d queries × %d documents in %.0f s -> %@",
                queries.count, documents.count, Date().timeIntervalSince(started), runPath))
    }
}

/// A collection file that cannot be used; the message names the file and line.
struct RankError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reading BEIR JSON-lines and qrels files for `rank`.
enum CollectionFile {
    struct Entry {
        let id: String
        let text: String
    }

    /// One entry per non-empty line; `_id` may be a string or a number, as in BEIR files.
    static func read(_ path: String, textOf: ([String: Any]) -> String) throws -> [Entry] {
        let content = try contents(of: path)
        var entries: [Entry] = []
        for (number, line) in content.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            if line.allSatisfy(\.isWhitespace) { continue }
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8))
            guard let row = object as? [String: Any] else {
                throw RankError("\(path):\(number + 1): not a JSON object")
            }
            let id: String
            if let text = row["_id"] as? String {
                id = text
            } else if let value = row["_id"] as? NSNumber {
                id = value.stringValue
            } else {
                throw RankError("\(path):\(number + 1): missing \"_id\" (string or number)")
            }
            entries.append(Entry(id: id, text: textOf(row)))
        }
        return entries
    }

    /// Query ids named in the first column of a qrels TSV (a `query-id` header is skipped).
    static func judgedQueries(_ path: String) throws -> Set<String> {
        var ids = Set<String>()
        for (number, line) in try contents(of: path).split(whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 3 else {
                throw RankError("\(path):\(number + 1): expected query-id, corpus-id and score separated by tabs")
            }
            if number == 0 && fields[0] == "query-id" { continue }
            ids.insert(String(fields[0]))
        }
        return ids
    }

    private static func contents(of path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RankError("\(path): cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RankError("\(path): not UTF-8")
        }
        return text
    }
}
