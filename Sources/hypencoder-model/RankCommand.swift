import CommandLineOptions
import Foundation
import HypencoderModel
import HypencoderRPC

/// `hypencoder-model rank`: exact search of a BEIR-layout collection through the Swift
/// engine, written as a TREC run. Every document is encoded, every query gets its q-net and
/// the q-net scores every document, so the run measures the model and nothing else (no index,
/// no approximate search). Tools/eval/evaluate.py compares it with the PyTorch reference.
///
/// Documents are encoded as `title + " " + text`, exactly the string Tools/train/beir_data.py
/// builds, so the Swift and PyTorch paths see the same bytes.
struct RankCommand {
    static let options = OptionTable(
        command: "hypencoder-model rank",
        abstract: "exact search of a BEIR collection, written as a TREC run",
        discussion: """
            Encodes every document, scores every one for every query with its q-net, and writes
            the top k per query as a TREC run (Tools/eval/evaluate.py compares it with PyTorch).
            """,
        options: [
            .value("--model", "DIR", help: "a model directory (official Hypencoder layout)").required(),
            .value("--corpus", "FILE", help: #"the BEIR corpus.jsonl (documents are title + " " + text)"#).required(),
            .value("--queries", "FILE", help: "the BEIR queries.jsonl").required(),
            .value(
                "--qrels", "FILE",
                help: "only rank the queries judged in this TSV (query-id, corpus-id, score; header optional; "
                    + "read by the same rule as `hypencoder eval`)"),
            .value("--run", "OUT", help: "where to write the run").required(),
            .value("-k", "N", help: "documents kept per query", check: .integer(1...Int.max), default: "1000").alias("--k"),
            .help,
        ],
        examples: [
            [
                "--model", "hypencoder.6_layer", "--corpus", "corpus.jsonl", "--queries", "queries.jsonl",
                "--qrels", "qrels/test.tsv", "--run", "run.trec", "-k", "100",
            ]
        ])

    let directory: String
    let corpusPath: String
    let queriesPath: String
    let qrelsPath: String?
    let runPath: String
    let depth: Int

    init(_ arguments: ParsedArguments) {
        directory = arguments["--model"]
        corpusPath = arguments["--corpus"]
        queriesPath = arguments["--queries"]
        qrelsPath = arguments.value("--qrels")
        runPath = arguments["--run"]
        depth = arguments[integer: "-k"]
    }

    func run() throws {
        let model = try HypencoderModel(directory: directory)
        // The package's one BEIR reader (HypencoderRPC), the one `hypencoder eval` uses, so
        // both rank the same judged queries by the same qrels rule.
        let documents = try BEIRCollection.records(at: corpusPath).map { record in
            (id: record.id, text: (record.fields["title"]?.stringValue ?? "") + " " + (record.fields["text"]?.stringValue ?? ""))
        }
        var queries = try BEIRCollection.queries(at: queriesPath)
        if let qrelsPath {
            let judged = try BEIRCollection.qrels(at: qrelsPath)
            queries = queries.filter { judged[$0.id] != nil }
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

/// A rank that cannot go on (nothing to rank, a run that cannot be written); the message
/// names the file. Malformed collection files throw the reader's `BEIRFileError`.
struct RankError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
