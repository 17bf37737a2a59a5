import Foundation
import HypencoderIndex
import HypencoderModel
import HypencoderRPC
import HypencoderTokenizer
import HypencoderWeights

#if DEBUG
    // The method table and the handlers are internal to the daemon: reached with @testable,
    // which needs a build with testing enabled (debug: `swift test`, Scripts/fuzz). A release
    // build compiles this target as a stub that says so.
    @testable import HypencoderDaemon
#endif

/// Each method's params reader, through the daemon's own method table (`MethodTable.make`),
/// as the dispatcher calls it: the input is a JSON-RPC message; every request in it whose
/// method is in the table runs with a `ParamsReader` over its params.
///
/// The daemon behind the table is real: the generated test model `small2-safetensors`
/// (Scripts/make-test-models; without it, no model, and the handlers stop at `requireModel`,
/// after reading what they read first) and an index in a scratch directory holding a few
/// documents, re-created every 256 inputs so `index/add` and collections cannot grow without
/// bound. Left out: `workspace/index` (it walks whatever directory the input names, which is
/// the file system, not a parser) and the debug methods.
///
/// Invariants: a handler fails only with the errors the dispatcher maps on purpose (`RPCError`,
/// `IndexError`, `ModelError`, `TokenizerError`; anything else would be answered as an
/// unexplained internal error), and a result serializes to JSON that parses.
enum MethodParamsTarget {
    static let target = FuzzTarget(
        name: "method-params",
        summary: "every method's params reader (search, index/*, encode/*, score, collection/*, workspace/*) via MethodTable",
        maxLength: 4096,
        seeds: seeds,
        run: run)

    static let excluded: Set<String> = ["workspace/index", "debug/sleep"]

    static func run(_ input: UnsafeRawBufferPointer) {
        #if DEBUG
            Daemon.shared.run(input)
        #endif
    }

    #if DEBUG
        final class Daemon: @unchecked Sendable {
            static let shared = Daemon()

            let model: HypencoderModel?
            var modelAndIndex: ModelAndIndex!
            var methods: [String: MethodHandler] = [:]
            var runs = 0
            var generation = 0

            init() {
                model = Repository.testModel.flatMap { try? HypencoderModel(directory: $0) }
                if model == nil {
                    FileHandle.standardError.write(
                        Data("method-params: no test model (Scripts/make-test-models); handlers stop at requireModel\n".utf8))
                }
                reset()
            }

            /// A fresh index with a few documents (vectors only: no encoding at start-up).
            func reset() {
                modelAndIndex?.collections?.closeAll()
                generation += 1
                let directory = Scratch.emptyDirectory("method-params") + "/index-\(generation)"
                var index: DocumentIndex?
                if let model {
                    var options = IndexOptions()
                    options.autoCompaction = nil
                    options.graph.buildThreads = 1
                    index = try? DocumentIndex.open(
                        directory: directory, fingerprint: model.fingerprint, dimension: model.documentDimension,
                        options: options)
                    var random: UInt64 = 0x9E37_79B9_7F4A_7C15
                    let documents = (0..<12).map { number -> DocumentUpsert in
                        let vector = (0..<model.documentDimension).map { _ -> Float in
                            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                            return Float(Int64(bitPattern: random >> 11) % 2000) / 1000 - 1
                        }
                        return DocumentUpsert(
                            id: "doc-\(number)", vector: vector, metadata: Array(#"{"n":\#(number)}"#.utf8),
                            text: "document number \(number)")
                    }
                    _ = try? index?.upsert(documents)
                }
                do {
                    modelAndIndex = try ModelAndIndex(
                        model: model, index: index, modelDirectory: Repository.testModel, createdIndexDirectory: nil)
                } catch {
                    fatalError("method-params: cannot set up the daemon state: \(error)")
                }
                methods = MethodTable.make(for: modelAndIndex, debugMethods: false)
                for name in excluded { methods[name] = nil }
            }

            func run(_ input: UnsafeRawBufferPointer) {
                runs += 1
                if runs % 256 == 0 { reset() }
                let body = RPCInboundBody.parse(Array(input), options: RPCParseOptions(maxBatchLength: 4))
                for case .message(.request(let request)) in body.items {
                    guard let handler = methods[request.method] else { continue }
                    do {
                        let result = try handler(ParamsReader(request.params), .detached)
                        let text = result.serialized()
                        FuzzCheck.require(
                            (try? JSONValue.parse(text, options: JSONParseOptions(maxDepth: 1000))) != nil,
                            "\(request.method) result is not JSON: \(String(decoding: text.prefix(200), as: UTF8.self))")
                    } catch is RPCError, is IndexError, is ModelError, is TokenizerError {
                        // The errors the dispatcher maps deliberately (`RPCError(handlerFailure:)`).
                        continue
                    } catch {
                        FuzzCheck.require(false, "\(request.method) threw \(type(of: error)): \(error)")
                    }
                }
            }
        }
    #endif

    static func seeds() -> [(name: String, bytes: [UInt8])] {
        func request(_ method: String, _ params: String) -> String {
            #"{"jsonrpc":"2.0","id":1,"method":"\#(method)","params":\#(params)}"#
        }
        let vector = "[" + (0..<64).map { "0.\($0 % 10)" }.joined(separator: ",") + "]"
        return textSeeds([
            ("search", request("search", #"{"query":"cat","k":2,"include":["text","metadata"]}"#)),
            (
                "search-approximate",
                request(
                    "search",
                    #"{"query":"where is the cache flushed","k":5,"mode":"approximate","params":{"traversal":"paper","entryPoints":3,"ncandidates":4,"maxIter":2,"seed":7}}"#
                )
            ),
            ("search-improved", request("search", #"{"query":"x","mode":"approximate","params":{"traversal":"improved"}}"#)),
            ("search-collection", request("search", #"{"query":"cat","collection":"notes"}"#)),
            ("search-workspace", request("search", #"{"query":"cat","workspace":"/tmp/notes/house"}"#)),
            ("search-bad-k", request("search", #"{"query":"cat","k":0}"#)),
            (
                "index-add-text",
                request(
                    "index/add",
                    #"{"documents":[{"id":"a","text":"the cat sat on the mat"},{"id":"b","text":"dogs bark","metadata":{"lang":"en"}}]}"#
                )
            ),
            ("index-add-vector", request("index/add", #"{"documents":[{"id":"v","vector":\#(vector)}],"collection":"vectors"}"#)),
            ("index-add-base64", request("index/add", #"{"documents":[{"id":"b64","vector":"AACAPwAAAEAAAEBA"}]}"#)),
            ("index-delete", request("index/delete", #"{"ids":["doc-1","missing"]}"#)),
            (
                "index-get",
                request("index/get", #"{"ids":["doc-2","doc-3"],"include":["text","metadata","vector"],"encoding":"base64"}"#)
            ),
            ("index-stats", request("index/stats", #"{"collection":"default"}"#)),
            ("index-checkpoint", request("index/checkpoint", "{}")),
            ("index-compact", request("index/compact", #"{"workDoneToken":"t"}"#)),
            ("encode-query", request("encode/query", #"{"text":"how many states are there in india","includeWeights":true}"#)),
            ("encode-documents", request("encode/documents", #"{"texts":["one","two three"],"encoding":"base64"}"#)),
            ("score", request("score", #"{"query":"cat","documents":[{"id":"doc-1"},{"text":"a cat"},{"vector":\#(vector)}]}"#)),
            ("model-info", request("model/info", "{}")),
            ("collection-list", request("collection/list", "{}")),
            ("collection-drop", request("collection/drop", #"{"collection":"vectors"}"#)),
            ("workspace-find", request("workspace/find", #"{"path":"/tmp"}"#)),
            ("workspace-update", request("workspace/update", #"{"paths":["/tmp/a.txt","/nonexistent/b"]}"#)),
            ("batch", "[" + request("index/stats", "{}") + "," + request("search", #"{"query":"dog"}"#) + "]"),
        ])
    }
}
