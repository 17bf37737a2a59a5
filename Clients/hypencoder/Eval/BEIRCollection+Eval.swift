import HypencoderRPC

extension BEIRCollection {
    /// What `eval` reads besides the corpus: the judgments of `split` and each query's text
    /// by id, through the package's one BEIR reader (HypencoderRPC's `BEIRCollection`, which
    /// `hypencoder-model rank` uses too). Its errors become exit statuses here: 66 for a
    /// file that cannot be read, 65 for one that breaks the format, naming the line.
    func evaluationInputs(split: String) throws -> (qrels: Qrels, queries: [String: String]) {
        do {
            let qrels = try qrels(split: split)
            var queries: [String: String] = [:]
            for query in try self.queries() { queries[query.id] = query.text }
            return (qrels, queries)
        } catch let error as BEIRFileError {
            throw ClientError(error.kind == .unreadable ? .noInput : .dataError, error.description)
        }
    }
}
