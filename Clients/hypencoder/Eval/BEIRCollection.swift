import HypencoderRPC

/// The files of a BEIR-layout test collection that `hypencoder eval` reads:
///
///     DIR/corpus.jsonl        {"_id", "title", "text"} per line (indexed by `add`)
///     DIR/queries.jsonl       {"_id", "text"} per line
///     DIR/qrels/SPLIT.tsv     query-id <TAB> corpus-id <TAB> grade, with a header line
struct BEIRCollection {
    let directory: String
    var corpusPath: String { directory + "/corpus.jsonl" }

    /// Query id → text.
    func queries() throws -> [String: String] {
        let reader = try LineReader(path: directory + "/queries.jsonl")
        var queries: [String: String] = [:]
        while let line = reader.next() {
            if line.isEmpty { continue }
            let value: JSONValue
            do { value = try JSONValue.parse(line) } catch {
                throw ClientError.data("\(reader.location): not valid JSON: \(error)")
            }
            guard let id = value["_id"]?.stringValue ?? value["_id"]?.int64Value.map({ String($0) }),
                let text = value["text"]?.stringValue
            else {
                throw ClientError.data("\(reader.location): a query needs a string \"_id\" and \"text\"")
            }
            queries[id] = text
        }
        return queries
    }

    /// Relevance judgments of one split: query id → document id → grade. The header line
    /// (`query-id corpus-id score`) is recognised by its non-numeric grade and skipped.
    func qrels(split: String) throws -> Qrels {
        let reader = try LineReader(path: directory + "/qrels/\(split).tsv")
        var judgments: Qrels = [:]
        while let line = reader.next() {
            let fields = String(decoding: line, as: UTF8.self).split(whereSeparator: { $0 == "\t" || $0 == " " })
            if fields.isEmpty { continue }
            guard fields.count >= 3 else {
                throw ClientError.data("\(reader.location): expected query-id, corpus-id and grade separated by tabs")
            }
            // TREC qrels have 4 fields (query, iteration, document, grade); BEIR has 3.
            let (query, document, gradeText) =
                fields.count >= 4
                ? (fields[0], fields[2], fields[3]) : (fields[0], fields[1], fields[2])
            guard let grade = Int(gradeText) else {
                if reader.lineNumber == 1 { continue }  // the header
                throw ClientError.data("\(reader.location): grade \"\(gradeText)\" is not an integer")
            }
            judgments[String(query), default: [:]][String(document)] = grade
        }
        return judgments
    }
}
