import HypencoderRPC

/// Query id → document id → relevance grade, as `BEIRCollection` reads them.
typealias Qrels = BEIRQrels

/// One retrieved document of a run.
struct RankedDocument {
    var id: String
    var score: Double
}

/// nDCG@10, MAP and recall@100 with trec_eval's definitions (what `ir-measures` and
/// `pytrec_eval` compute, checked against them by Tests/python/test_eval_measures.py):
///
/// - A run is ordered by score, highest first; ties go to the larger document id
///   (trec_eval ignores the rank column and sorts this way).
/// - Relevant means grade > 0 (`BEIRCollection.isRelevant`, the reader's rule). Grades ≤ 0
///   count as not relevant and gain nothing.
/// - nDCG@10 = DCG@10 / ideal DCG@10, gain = grade, discount = log2(rank + 1); the ideal
///   ranking is the query's judged grades sorted high to low.
/// - AP = (sum of precision at the rank of each relevant retrieved document) / (number of
///   relevant documents in the qrels); MAP is its mean.
/// - R@100 = relevant documents in the top 100 / relevant documents in the qrels.
/// - Means run over the queries that are both judged and in the run (trec_eval without -c).
enum RetrievalMeasures {
    struct Scores: Equatable {
        var ndcg10: Double
        var averagePrecision: Double
        var recall100: Double
    }

    /// trec_eval's order: score descending, then document id descending.
    static func ordered(_ run: [RankedDocument]) -> [RankedDocument] {
        run.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id > $1.id }
    }

    static func scores(run: [RankedDocument], judgments: [String: Int]) -> Scores {
        let ranking = ordered(run)
        let relevantCount = judgments.values.filter { BEIRCollection.isRelevant(grade: $0) }.count

        var dcg = 0.0
        for (index, document) in ranking.prefix(10).enumerated() {
            let grade = judgments[document.id] ?? 0
            if BEIRCollection.isRelevant(grade: grade) { dcg += Double(grade) / log2(Double(index + 2)) }
        }
        var ideal = 0.0
        for (index, grade) in judgments.values.filter({ BEIRCollection.isRelevant(grade: $0) }).sorted(by: >).prefix(10)
            .enumerated()
        {
            ideal += Double(grade) / log2(Double(index + 2))
        }

        var found = 0
        var precisionSum = 0.0
        var foundIn100 = 0
        for (index, document) in ranking.enumerated() where BEIRCollection.isRelevant(grade: judgments[document.id] ?? 0) {
            found += 1
            precisionSum += Double(found) / Double(index + 1)
            if index < 100 { foundIn100 += 1 }
        }
        return Scores(
            ndcg10: ideal > 0 ? dcg / ideal : 0,
            averagePrecision: relevantCount > 0 ? precisionSum / Double(relevantCount) : 0,
            recall100: relevantCount > 0 ? Double(foundIn100) / Double(relevantCount) : 0)
    }

    /// Means over the queries present in both `runs` and `qrels`, and how many there were.
    static func mean(runs: [String: [RankedDocument]], qrels: Qrels) -> (Scores, queries: Int) {
        var total = Scores(ndcg10: 0, averagePrecision: 0, recall100: 0)
        var count = 0
        for (query, run) in runs where !run.isEmpty {
            guard let judgments = qrels[query] else { continue }
            let one = scores(run: run, judgments: judgments)
            total.ndcg10 += one.ndcg10
            total.averagePrecision += one.averagePrecision
            total.recall100 += one.recall100
            count += 1
        }
        guard count > 0 else { return (total, 0) }
        let n = Double(count)
        return (
            Scores(
                ndcg10: total.ndcg10 / n, averagePrecision: total.averagePrecision / n,
                recall100: total.recall100 / n), count
        )
    }
}

#if canImport(Glibc)
    import Glibc
#endif
