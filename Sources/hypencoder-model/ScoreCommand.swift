import Foundation
import HypencoderModel

/// `hypencoder-model score`: the query × document score matrix, as the authors' README
/// prints it, so anyone holding a released checkpoint can compare with their numbers.
struct ScoreCommand {
    let directory: String
    let queries: [String]
    let documents: [String]
    let json: Bool

    func run() throws {
        let model = try HypencoderModel(directory: directory)
        if let blas = BLAS.selection { log(blas.summary) }
        let scores = try model.score(queries: queries, documents: documents)
        if json {
            let object: [String: Any] = ["scores": scores.map { $0.map(Double.init) }]
            let data = try JSONSerialization.data(withJSONObject: object)
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for (q, row) in scores.enumerated() {
            for (d, score) in row.enumerated() {
                print(String(format: "q%d d%d  %10.4f", q, d, score))
            }
        }
    }
}
