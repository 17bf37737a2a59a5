#!/usr/bin/env python3
"""nDCG@10, MAP and recall@100 (ir-measures 0.4.3) of the default Hypencoder and two baselines.

    evaluate.py --model .build/models/hypencoder-default --swift-binary .build-trn/release/hypencoder-model \
                [--data Data] [--out .build/eval] [--systems a,b,...] [--collections x,y,...]

Collections: scifact-dev (the held-out 20% of SciFact train claims, Tools/train/beir_data.py,
ranked against the whole SciFact corpus), scifact-all (all 807 claims), squad-heldout (SQuAD dev
questions on the general head's held-out articles), and any folder with qrels/test.tsv such as
cranfield, cisi and squad-dev (see `load`). Systems: see systems.py. Writes <out>/results.json and <out>/results.md (the table
in the model card) and the runs as <out>/<collection>/<system>.run (TREC format).
The bf16 systems (--systems hypencoder-torch,hypencoder-torch-bf16-rows,hypencoder-torch-bf16; see
systems.py) also report `top10_overlap_with_f32`: the share of each query's f32 top 10 they keep,
averaged over queries. Checks that the Swift engine and the PyTorch reference agree on nDCG@10 to 1e-3 on every
collection; exits 1 if they do not.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import ir_measures
import torch
from ir_measures import AP, R, nDCG

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "train"))
sys.path.insert(0, HERE)
import systems  # noqa: E402
from beir_data import is_dev_query, load_collection  # noqa: E402
from train_general import article_of, is_dev_article  # noqa: E402

MEASURES = [nDCG @ 10, AP, R @ 100]
DEPTH = 1000
AGREEMENT = 1e-3
ALL_SYSTEMS = ["hypencoder-swift", "hypencoder-torch", "minilm", "bm25"]
BF16_SYSTEMS = ["hypencoder-torch-bf16-rows", "hypencoder-torch-bf16"]
ALL_COLLECTIONS = ["scifact-dev", "cranfield", "cisi"]


def keep_queries(collection, keep) -> None:
    """Restricts `collection` to the queries for which keep(query id) holds."""
    rows = [i for i, q in enumerate(collection.query_ids) if keep(q)]
    collection.query_ids = [collection.query_ids[i] for i in rows]
    collection.query_texts = [collection.query_texts[i] for i in rows]
    collection.qrels = {q: collection.qrels[q] for q in collection.query_ids}


def load(name: str, data: str, out: str):
    """The collection, its qrels restricted to the evaluated queries, and a qrels TSV for `rank`.

    scifact-dev: the SciFact head's 157 held-out claims; scifact-all: all 807 SciFact training
    claims (the general head never saw SciFact); squad-heldout: the SQuAD dev questions on the
    articles the general head's training held out (train_general.is_dev_article), ranked against
    every paragraph; anything else: a folder under --data with qrels/test.tsv."""
    if name in ("scifact-dev", "scifact-all"):
        directory = os.path.join(data, "scifact")
        collection = load_collection(directory, "train")
        if name == "scifact-dev":
            keep_queries(collection, is_dev_query)
    elif name == "squad-heldout":
        directory = os.path.join(data, "squad-dev")
        collection = load_collection(directory, "test")
        keep_queries(collection, lambda q: all(is_dev_article(article_of(d)) for d in collection.qrels[q]))
    else:
        directory = os.path.join(data, name)
        collection = load_collection(directory, "test")
    qrels_path = os.path.join(out, name, "qrels.tsv")
    os.makedirs(os.path.dirname(qrels_path), exist_ok=True)
    with open(qrels_path, "w", encoding="utf-8") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for q in collection.query_ids:
            for d, rel in collection.qrels[q].items():
                f.write(f"{q}\t{d}\t{rel}\n")
    return collection, directory, qrels_path


def write_run(run: dict, path: str, tag: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for qid, docs in run.items():
            for rank, (doc, score) in enumerate(sorted(docs.items(), key=lambda x: -x[1])):
                f.write(f"{qid} Q0 {doc} {rank + 1} {score} {tag}\n")


def measure(run: dict, qrels: dict) -> dict[str, float]:
    values = ir_measures.calc_aggregate(MEASURES, qrels, run)
    return {str(m): round(float(values[m]), 4) for m in MEASURES}


def top10_overlap(reference: dict, run: dict) -> float:
    """Mean over queries of |top 10 of run ∩ top 10 of reference| / 10."""
    def top10(docs: dict) -> set:
        return set(sorted(docs, key=lambda d: -docs[d])[:10])
    shares = [len(top10(reference[q]) & top10(run.get(q, {}))) / 10 for q in reference]
    return round(sum(shares) / max(1, len(shares)), 6)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--swift-binary")
    parser.add_argument("--data", default=os.environ.get("HYPENCODER_DATA") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Data"))
    parser.add_argument("--out", default=".build/eval")
    parser.add_argument("--cache", default=".build/eval/cache", help="document vector cache (depends on the backbone only)")
    parser.add_argument("--document-vectors", action="append", default=[], metavar="COLLECTION=FILE.npy",
                        help="use precomputed document vectors for a collection after a spot check against "
                             "the reference (e.g. scifact-dev=.build/train/cache/doc_vectors.npy)")
    parser.add_argument("--systems", default=",".join(ALL_SYSTEMS))
    parser.add_argument("--collections", default=",".join(ALL_COLLECTIONS))
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.set_grad_enabled(False)
    wanted = args.systems.split(",")
    if "hypencoder-swift" in wanted and not args.swift_binary:
        parser.error("hypencoder-swift needs --swift-binary (swift build -c release --product hypencoder-model)")
    with open(os.path.join(args.model, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    query_max_length = int(config.get("query_max_length", 64))
    document_max_length = int(config.get("document_max_length", 512))
    model = systems.HypencoderReference.load(args.model)

    results: dict[str, dict[str, dict[str, float]]] = {}
    for name in args.collections.split(","):
        started = time.time()
        collection, directory, qrels_path = load(name, args.data, args.out)
        results[name] = {}
        docs = None
        precomputed = dict(item.split("=", 1) for item in args.document_vectors)
        needs_docs = {"hypencoder-torch", "minilm", *BF16_SYSTEMS} & set(wanted)
        runs = {}
        if needs_docs and name in precomputed:
            docs = systems.checked_precomputed_vectors(model, collection.doc_texts, document_max_length,
                                                       precomputed[name])
        elif needs_docs:
            docs = systems.document_vectors(model, collection.doc_texts, document_max_length,
                                            args.cache)
        for system in wanted:
            run_path = os.path.join(args.out, name, f"{system}.run")
            if system == "hypencoder-swift":
                run = systems.hypencoder_swift(args.swift_binary, args.model, os.path.join(directory, "corpus.jsonl"),
                                               os.path.join(directory, "queries.jsonl"), qrels_path, run_path, DEPTH)
            elif system == "hypencoder-torch":
                run = systems.hypencoder_torch(model, docs, collection.doc_ids, collection.query_ids,
                                               collection.query_texts, query_max_length, DEPTH)
            elif system in BF16_SYSTEMS:
                run = systems.hypencoder_torch_bf16(model, docs, collection.doc_ids, collection.query_ids,
                                                    collection.query_texts, query_max_length, DEPTH,
                                                    kernel=system == "hypencoder-torch-bf16")
            elif system == "minilm":
                run = systems.minilm(model, docs, collection.doc_ids, collection.query_ids,
                                     collection.query_texts, DEPTH)
            elif system == "bm25":
                run = systems.bm25(collection.doc_texts, collection.doc_ids, collection.query_ids,
                                   collection.query_texts, DEPTH)
            else:
                parser.error(f"unknown system '{system}' (known: {', '.join(ALL_SYSTEMS + BF16_SYSTEMS)})")
            if system != "hypencoder-swift":
                write_run(run, run_path, system)
            results[name][system] = measure(run, collection.qrels)
            runs[system] = run
            if system in BF16_SYSTEMS and "hypencoder-torch" in runs:
                results[name][system]["top10_overlap_with_f32"] = top10_overlap(runs["hypencoder-torch"], run)
            print(f"evaluate: {name} {system} {results[name][system]} ({time.time() - started:.0f} s)",
                  file=sys.stderr, flush=True)

    agreement_ok = True
    for name, row in results.items():
        if "hypencoder-swift" in row and "hypencoder-torch" in row:
            gap = abs(row["hypencoder-swift"]["nDCG@10"] - row["hypencoder-torch"]["nDCG@10"])
            row["swift_torch_ndcg10_gap"] = round(gap, 6)
            if gap > AGREEMENT:
                agreement_ok = False
                print(f"evaluate: {name}: Swift and PyTorch nDCG@10 differ by {gap:.4f} > {AGREEMENT}",
                      file=sys.stderr)

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2)
    lines = ["| collection | system | nDCG@10 | MAP | R@100 | top-10 overlap with f32 |", "|---|---|---|---|---|---|"]
    for name, row in results.items():
        for system in wanted:
            if system in row:
                m = row[system]
                overlap = f"{m['top10_overlap_with_f32']:.4f}" if "top10_overlap_with_f32" in m else ""
                measures = f"{m['nDCG@10']:.4f} | {m['AP']:.4f} | {m['R@100']:.4f}"
                lines.append(f"| {name} | {system} | {measures} | {overlap} |")
    table = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "results.md"), "w", encoding="utf-8") as f:
        f.write(table)
    print(table)
    return 0 if agreement_ok else 1


if __name__ == "__main__":
    sys.exit(main())
