import Foundation
import HypencoderTokenizer
import HypencoderWeights

/// A model directory's JSON files, each read by its own loader: `config.json`
/// (`HypencoderConfig.load`, beside a fixed `bert_config.json` and without one),
/// `bert_config.json` (`BertConfig.load`), and the tokenizer's `tokenizer.json` and
/// `tokenizer_config.json` (`WordPieceTokenizer.load`). Every input is tried as each file.
///
/// Invariants: an accepted configuration is usable (positive sizes, heads dividing the hidden
/// size, token limits of at least 2 within the positions, q-net widths starting at the hidden
/// size and ending at 1).
enum ModelConfigTarget {
    static let target = FuzzTarget(
        name: "model-config",
        summary: "config.json, bert_config.json, tokenizer.json, tokenizer_config.json of a model directory",
        maxLength: 8192,
        seeds: seeds,
        run: run)

    static let bertConfig =
        #"{"hidden_size":8,"num_hidden_layers":1,"num_attention_heads":2,"intermediate_size":16,"vocab_size":64,"max_position_embeddings":32,"hidden_act":"gelu"}"#
    static let vocabulary =
        (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "##s", "sat", ".", "a"])
        .joined(separator: "\n") + "\n"

    static func run(_ input: UnsafeRawBufferPointer) {
        // config.json alone (the backbone defaults to bert-base-uncased), then beside a small bert_config.json.
        var directory = Scratch.emptyDirectory("model-config")
        Scratch.write(input, to: directory + "/config.json")
        check(try? HypencoderConfig.load(directory: directory))
        Scratch.write(Array(bertConfig.utf8), to: directory + "/bert_config.json")
        check(try? HypencoderConfig.load(directory: directory))

        // bert_config.json.
        Scratch.write(input, to: directory + "/bert_config.json")
        if let bert = try? BertConfig.load(path: directory + "/bert_config.json") { check(bert) }

        // tokenizer.json alone (its model.vocab is the vocabulary), then tokenizer_config.json beside a vocab.txt.
        directory = Scratch.emptyDirectory("model-config")
        Scratch.write(input, to: directory + "/tokenizer.json")
        if let tokenizer = try? WordPieceTokenizer.load(directory: directory) { VocabularyTarget.exercise(tokenizer) }
        try? FileManager.default.removeItem(atPath: directory + "/tokenizer.json")
        Scratch.write(input, to: directory + "/tokenizer_config.json")
        Scratch.write(Array(vocabulary.utf8), to: directory + "/vocab.txt")
        if let tokenizer = try? WordPieceTokenizer.load(directory: directory) { VocabularyTarget.exercise(tokenizer) }
    }

    static func check(_ config: HypencoderConfig?) {
        guard let config else { return }
        check(config.bert)
        let dimensions = config.vectorDimensions
        FuzzCheck.require(
            dimensions.count >= 2 && dimensions.first == config.bert.hiddenSize && dimensions.last == 1
                && dimensions.allSatisfy { $0 > 0 },
            "accepted q-net widths \(dimensions) for hidden size \(config.bert.hiddenSize)")
        for limit in [config.queryMaxLength, config.documentMaxLength] {
            FuzzCheck.require(
                limit >= 2 && limit <= config.bert.maxPositions,
                "accepted token limit \(limit) with \(config.bert.maxPositions) positions")
        }
    }

    static func check(_ bert: BertConfig) {
        FuzzCheck.require(
            bert.hiddenSize > 0 && bert.layers > 0 && bert.heads > 0 && bert.hiddenSize % bert.heads == 0
                && bert.intermediateSize > 0 && bert.vocabSize > 0 && bert.maxPositions > 0 && bert.typeVocabSize > 0
                && bert.layerNormEps > 0 && bert.layerNormEps.isFinite,
            "accepted an unusable BERT configuration \(bert)")
    }

    static func seeds() -> [(name: String, bytes: [UInt8])] {
        var seeds = fixtureSeeds(
            [
                "Tests/Fixtures/weights/tiny_hypencoder/config.json", "Tests/Fixtures/weights/tiny_hypencoder/bert_config.json",
                ".build/fixtures/models/small2-safetensors/config.json",
                ".build/fixtures/models/small2-safetensors/bert_config.json",
                ".build/fixtures/models/small2-safetensors/tokenizer_config.json",
            ])
        seeds += textSeeds([
            ("bert-config-small", bertConfig),
            (
                "tokenizer-json",
                ###"{"normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":true},"model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":100,"vocab":{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"[MASK]":4,"the":5,"cat":6,"##s":7}}}"###
            ),
            ("tokenizer-config", #"{"do_lower_case":false,"strip_accents":true,"tokenize_chinese_chars":false}"#),
        ])
        return seeds
    }
}

/// `vocab.txt`, read by `WordPieceTokenizer.load` as a model directory's only tokenizer file,
/// then used: the input's own text and fixed texts are tokenized with it.
///
/// Invariants: `encode` gives `[CLS] … [SEP]` within the limit; every id it gives has a token.
enum VocabularyTarget {
    static let target = FuzzTarget(
        name: "vocab",
        summary: "vocab.txt (WordPieceTokenizer.load), then tokenizing with the vocabulary read",
        maxLength: 8192,
        seeds: seeds,
        run: run)

    static func run(_ input: UnsafeRawBufferPointer) {
        let directory = Scratch.emptyDirectory("vocab")
        Scratch.write(input, to: directory + "/vocab.txt")
        guard let tokenizer = try? WordPieceTokenizer.load(directory: directory) else { return }
        exercise(tokenizer)
        let text = String(decoding: input.prefix(512), as: UTF8.self)
        TokenizerTextTarget.check(tokenizer, text)
    }

    static let texts = [
        "The cats sat. naïve café ÉLÈVE 北京 [SEP] done", "[CLS][UNK]##s", "",
        String(repeating: "a", count: 101),
    ]

    static func exercise(_ tokenizer: WordPieceTokenizer) {
        for text in texts { TokenizerTextTarget.check(tokenizer, text) }
    }

    static func seeds() -> [(name: String, bytes: [UInt8])] {
        var seeds: [(name: String, bytes: [UInt8])] = []
        if let data = Repository.bytes("Tests/Fixtures/tokenizer/cases.json"),
            let cases = try? JSONSerialization.jsonObject(with: Data(data)) as? [String: Any],
            let files = cases["vocab_files"] as? [[String: Any]]
        {
            for file in files {
                if let name = file["name"] as? String, let content = file["content"] as? String {
                    seeds.append((name: "cases-" + name, bytes: Array(content.utf8)))
                }
            }
        }
        seeds += textSeeds([
            ("small", ModelConfigTarget.vocabulary),
            ("crlf", ModelConfigTarget.vocabulary.replacingOccurrences(of: "\n", with: "\r\n")),
        ])
        return seeds
    }
}

/// Text through the tokenizer, as every query and document the daemon is sent goes: special
/// tokens, cleaning, CJK splitting, accent stripping, lower-casing, punctuation, WordPiece,
/// truncation. With the generated test model's vocabulary (the real uncased BERT one), or a
/// tiny one when the test models have not been made.
enum TokenizerTextTarget {
    static let target = FuzzTarget(
        name: "tokenizer-text",
        summary: "WordPieceTokenizer.encode on arbitrary UTF-8 (queries and documents) with the real BERT vocabulary",
        maxLength: 4096,
        seeds: seeds,
        run: run)

    static let tokenizer: WordPieceTokenizer = {
        if let model = Repository.testModel, let tokenizer = try? WordPieceTokenizer.load(directory: model) {
            return tokenizer
        }
        let directory = Scratch.emptyDirectory("tokenizer-text")
        Scratch.write(Array(ModelConfigTarget.vocabulary.utf8), to: directory + "/vocab.txt")
        do {
            return try WordPieceTokenizer.load(directory: directory)
        } catch {
            fatalError("tokenizer-text: the built-in vocabulary does not load: \(error)")
        }
    }()

    static func run(_ input: UnsafeRawBufferPointer) {
        check(tokenizer, String(decoding: input, as: UTF8.self))
    }

    static func check(_ tokenizer: WordPieceTokenizer, _ text: String) {
        for limit in [0, 3, 16, 512] {
            let ids = tokenizer.encode(text, maxLength: limit)
            FuzzCheck.require(
                ids.count <= max(limit, 2) && ids.first == tokenizer.clsId && ids.last == tokenizer.sepId,
                "encode(maxLength: \(limit)) gave \(ids)")
        }
        let pieces = tokenizer.wordPieceIds(text)
        FuzzCheck.require(pieces.allSatisfy { tokenizer.token(forId: $0) != nil }, "an id without a token in \(pieces)")
        let truncated = tokenizer.encode(text, maxLength: 512)
        FuzzCheck.require(
            Array(truncated.dropFirst().dropLast()) == Array(pieces.prefix(510)),
            "encode is not [CLS] + the first word pieces + [SEP]")
    }

    static func seeds() -> [(name: String, bytes: [UInt8])] {
        guard let data = Repository.bytes("Tests/Fixtures/tokenizer/cases.json"),
            let cases = try? JSONSerialization.jsonObject(with: Data(data)) as? [String: Any],
            let list = cases["cases"] as? [[String: Any]]
        else { return textSeeds([("sample", VocabularyTarget.texts[0])]) }
        // Every case is a seed; the fixture has a few hundred, each a few bytes to a few KB.
        return list.compactMap { entry in
            guard let name = entry["name"] as? String, let text = entry["text"] as? String else { return nil }
            return (name: "case-" + name.replacingOccurrences(of: "/", with: "_"), bytes: Array(text.utf8))
        }
    }
}
