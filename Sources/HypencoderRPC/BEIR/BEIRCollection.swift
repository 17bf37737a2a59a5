#if canImport(Glibc)
    import Glibc
#endif

/// Query id → document id → relevance grade, as written in the qrels file.
public typealias BEIRQrels = [String: [String: Int]]

/// The files of a BEIR-layout test collection, read the same way by `hypencoder eval` (which
/// scores the daemon) and `hypencoder-model rank` (which ranks with the model alone), so the
/// two can only disagree about the model, never about which queries are judged or how:
///
///     DIR/corpus.jsonl        {"_id", "title", "text"} per line
///     DIR/queries.jsonl       {"_id", "text"} per line
///     DIR/qrels/SPLIT.tsv     query-id <TAB> corpus-id <TAB> grade, after a header line
///
/// It lives in HypencoderRPC, in a folder of its own, because that is the one module both
/// executables can link: the client links HypencoderRPC and nothing else (no BLAS, no
/// model), and the reader needs the JSON parser that is already here.
///
/// **The qrels rule**, the only one in the package:
/// - Fields are separated by tabs (BEIR); a line without a tab is split at spaces, so TREC
///   qrels (`query-id iteration corpus-id grade`, four fields) read too. Blank lines are
///   skipped; fewer than three fields is an error naming the line.
/// - The first line is a header when its grade field is not an integer (BEIR's
///   `query-id corpus-id score`) and is skipped; anywhere else a non-integer grade is an
///   error.
/// - Grades are kept as the integers written, 0 and negative ones included; a document is
///   relevant when its grade is > 0 (`isRelevant`), as in trec_eval.
/// - A query is judged when it has any line, whatever its grades: trec_eval evaluates a
///   query whose judged documents are all grade 0 (it scores 0), it does not drop it.
/// - A repeated (query, document) pair keeps its last grade.
public struct BEIRCollection: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public var corpusPath: String { directory + "/corpus.jsonl" }
    public var queriesPath: String { directory + "/queries.jsonl" }
    public func qrelsPath(split: String) -> String { directory + "/qrels/\(split).tsv" }

    /// The queries in file order.
    public func queries() throws -> [BEIRQuery] { try Self.queries(at: queriesPath) }

    /// The judgments of one split (`test`, `dev`, `train`).
    public func qrels(split: String) throws -> BEIRQrels { try Self.qrels(at: qrelsPath(split: split)) }

    /// Relevant means grade > 0; lower grades are judged but gain nothing.
    public static func isRelevant(grade: Int) -> Bool { grade > 0 }

    /// Every object of a BEIR JSON-lines file in file order, blank lines skipped. `_id` may
    /// be a string or an integer (some collections number their documents).
    public static func records(at path: String) throws -> [BEIRRecord] {
        var records: [BEIRRecord] = []
        for (number, line) in try lines(of: path) {
            if line.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
            let value: JSONValue
            do { value = try JSONValue.parse(line) } catch {
                throw BEIRFileError(.malformed, path, line: number, "not valid JSON: \(error)")
            }
            guard let object = value.objectValue else {
                throw BEIRFileError(.malformed, path, line: number, "expected a JSON object, got \(value.typeDescription)")
            }
            guard let raw = object["_id"],
                let id = raw.stringValue.flatMap({ $0.isEmpty ? nil : $0 }) ?? raw.int64Value.map({ String($0) })
            else {
                throw BEIRFileError(.malformed, path, line: number, "missing \"_id\" (a string or an integer)")
            }
            records.append(BEIRRecord(id: id, fields: object, line: number))
        }
        return records
    }

    /// The queries of a `queries.jsonl`: each needs an `_id` and a string `text`.
    public static func queries(at path: String) throws -> [BEIRQuery] {
        try records(at: path).map { record in
            guard let text = record.fields["text"]?.stringValue else {
                throw BEIRFileError(.malformed, path, line: record.line, "a query needs a string \"_id\" and \"text\"")
            }
            return BEIRQuery(id: record.id, text: text)
        }
    }

    /// A qrels file, read by the rule above.
    public static func qrels(at path: String) throws -> BEIRQrels {
        var judgments: BEIRQrels = [:]
        for (number, line) in try lines(of: path) {
            let text = String(decoding: line, as: UTF8.self)
            let fields =
                text.contains("\t")
                ? text.split(separator: "\t").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
                : text.split(separator: " ")
            if fields.isEmpty { continue }
            guard fields.count >= 3 else {
                throw BEIRFileError(
                    .malformed, path, line: number, "expected query-id, corpus-id and grade separated by tabs")
            }
            let (query, document, gradeText) =
                fields.count >= 4 ? (fields[0], fields[2], fields[3]) : (fields[0], fields[1], fields[2])
            guard let grade = Int(gradeText) else {
                if number == 1 { continue }  // the header
                throw BEIRFileError(.malformed, path, line: number, "grade \"\(gradeText)\" is not an integer")
            }
            judgments[String(query), default: [:]][String(document)] = grade
        }
        return judgments
    }

    /// The file's lines with their 1-based numbers, without `\n` or `\r`. The files a
    /// collection holds besides its corpus are small, and `rank` keeps the corpus in memory
    /// anyway, so one read of the whole file is simplest.
    private static func lines(of path: String) throws -> [(Int, ArraySlice<UInt8>)] {
        guard let file = fopen(path, "r") else {
            throw BEIRFileError(.unreadable, path, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { bytes += chunk[..<n] }
            if n < chunk.count {
                guard ferror(file) == 0 else {
                    throw BEIRFileError(.unreadable, path, "cannot read \(path): \(String(cString: strerror(errno)))")
                }
                break
            }
        }
        var lines: [(Int, ArraySlice<UInt8>)] = []
        for (index, var line) in bytes.split(separator: 10, omittingEmptySubsequences: false).enumerated() {
            while line.last == 13 { line = line.dropLast() }
            lines.append((index + 1, line))
        }
        if lines.last?.1.isEmpty == true { lines.removeLast() }  // after the final newline
        return lines
    }
}

/// One object of a BEIR JSON-lines file.
public struct BEIRRecord: Sendable {
    public var id: String
    /// All members as written (`title`, `text`, `metadata`, ...).
    public var fields: JSONObject
    /// 1-based line number, for messages.
    public var line: Int
}

/// One query of `queries.jsonl`.
public struct BEIRQuery: Sendable, Equatable {
    public var id: String
    public var text: String
}

/// A collection file that cannot be used. The description names the file, and the line
/// when one is at fault ("qrels/test.tsv:7: grade \"x\" is not an integer"); `kind` lets
/// a caller tell a missing file from a malformed one (exit 66 against 65 in `hypencoder`).
public struct BEIRFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The file cannot be opened or read.
        case unreadable
        /// The file is there but breaks the format.
        case malformed
    }

    public var kind: Kind
    public var path: String
    public var line: Int?
    public var message: String

    init(_ kind: Kind, _ path: String, line: Int? = nil, _ message: String) {
        self.kind = kind
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        guard kind == .malformed else { return message }
        return line.map { "\(path):\($0): \(message)" } ?? "\(path): \(message)"
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
