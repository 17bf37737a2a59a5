import CommandLineOptions
import Foundation
import HypencoderRPC

/// `hypencoder eval --corpus DIR`: runs a BEIR collection through the daemon and reports
/// nDCG@10, MAP and R@100 (see `RetrievalMeasures` for the exact definitions).
enum EvalCommand: Command {
    static let options = OptionTable(
        command: "hypencoder eval",
        abstract: "index a BEIR collection, search its queries, report nDCG@10, MAP, R@100",
        discussion: """
            Evaluates the daemon on a BEIR-layout collection (DIR/corpus.jsonl, DIR/queries.jsonl,
            DIR/qrels/SPLIT.tsv): adds the corpus to the index (unless --no-index), runs every
            judged query as an exact search, and prints nDCG@10, MAP and R@100 with trec_eval's
            definitions (gain = grade, log2 discount; relevant = grade >= 1).
            Use an index that holds only this collection: other documents would be ranked too.
            """,
        options: [
            .value("--corpus", "DIR", help: "the collection's directory").required(),
            .value("--split", "NAME", help: "qrels file to use", default: "test"),
            .value("--run", "FILE", help: #"also write the ranking as a TREC run file ("qid Q0 docid rank score hypencoder")"#),
            .value("-k", "N", help: "documents retrieved per query", check: .integer(1...10_000), default: "1000"),
            .flag("--no-index", help: "the index already holds the corpus: only search"),
            .value("--batch-size", "N", help: "documents per index/add request", check: .integer(1...10_000), default: "64"),
            .flag("--quiet", help: "no progress on stderr"),
            .flag("--json", help: #"print {"nDCG@10", "MAP", "R@100", "queries"} as JSON"#),
        ],
        examples: [["--corpus", "beir", "--no-index", "--run", "run.trec", "-k", "100"]])

    static func run(_ arguments: ParsedArguments, _ context: ClientContext) throws {
        let json = arguments.flag("--json")
        let quiet = arguments.flag("--quiet")
        let noIndex = arguments.flag("--no-index")
        let k = arguments[integer: "-k"]
        let batchSize = arguments[integer: "--batch-size"]
        let split = arguments["--split"]
        let runPath = arguments.value("--run")
        let directory = arguments["--corpus"]

        let collection = BEIRCollection(directory: directory)
        let (qrels, queries) = try collection.evaluationInputs(split: split)
        let judged = qrels.keys.filter { queries[$0] != nil }.sorted()
        let missing = qrels.count - judged.count
        if missing > 0 { Output.error("hypencoder: eval: \(missing) judged queries are not in queries.jsonl; skipped") }
        guard !judged.isEmpty else { throw ClientError.data("\(directory): no query of qrels/\(split).tsv is in queries.jsonl") }

        let connection = try context.connection()
        if !noIndex {
            var uploader = DocumentUploader(connection: connection)
            uploader.batchSize = batchSize
            uploader.showProgress = !quiet
            let totals = try uploader.upload(path: collection.corpusPath, title: "eval: indexing")
            for notice in totals.notices { Output.error("hypencoder: eval: \(notice)") }
        }

        var runs: [String: [RankedDocument]] = [:]
        let progress = ProgressReporter(title: "eval: searching", total: Int64(judged.count), enabled: !quiet)
        try connection.pipeline(
            "search", count: judged.count, window: 2,
            request: { index in
                ["query": .string(queries[judged[index]] ?? ""), "k": .integer(Int64(k)), "mode": "exact"]
            }
        ) { index, result in
            runs[judged[index]] = (result["results"]?.arrayValue ?? []).compactMap { hit in
                guard let id = hit["id"]?.stringValue, let score = hit["score"]?.doubleValue else { return nil }
                return RankedDocument(id: id, score: score)
            }
            progress.update(done: Int64(index + 1), count: index + 1, unit: "queries")
        }
        progress.finish()

        if let runPath { try writeRun(runs, order: judged, to: runPath) }
        let (mean, count) = RetrievalMeasures.mean(runs: runs, qrels: qrels)
        if json {
            return Output.json([
                "nDCG@10": .double(mean.ndcg10), "MAP": .double(mean.averagePrecision),
                "R@100": .double(mean.recall100), "queries": .integer(Int64(count)),
            ])
        }
        Output.table(
            ["measure", "value"],
            [
                ["nDCG@10", String(format: "%.4f", mean.ndcg10)],
                ["MAP", String(format: "%.4f", mean.averagePrecision)],
                ["R@100", String(format: "%.4f", mean.recall100)],
                ["queries", String(count)],
            ])
    }

    /// The standard TREC run format. Scores are written with Swift's shortest round-trip
    /// text, so trec_eval reads back exactly the numbers the measures above were computed on.
    static func writeRun(_ runs: [String: [RankedDocument]], order: [String], to path: String) throws {
        var text = ""
        for query in order {
            for (rank, document) in RetrievalMeasures.ordered(runs[query] ?? []).enumerated() {
                text += "\(query) Q0 \(document.id) \(rank + 1) \(document.score) hypencoder\n"
            }
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw ClientError(.cannotCreate, "cannot write the run file \(path)")
        }
    }
}
