#!/usr/bin/env python3
"""Embeds the SciFact corpus and its train queries with the real all-MiniLM-L6-v2.

    embed_corpus.py --model .build/models/all-MiniLM-L6-v2 --data Data/scifact \
                    --out .build/fixtures/scifact-minilm

Writes float32 `.npy` matrices and one id per line:

    corpus.npy (N, 384)      corpus_ids.txt      documents: title + " " + text
    queries.npy (Q, 384)     query_ids.txt       the queries listed in qrels/train.tsv

Why: the neighbour-graph tests (Tests/HypencoderIndexTests/Graph) need vectors with the
clustered, anisotropic shape of real sentence embeddings; random Gaussian vectors make graph
search look much easier (or harder) than it is. The vectors are the masked mean of the last
layer of a plain `BertModel` (no normalisation), max 256 tokens — the same pooling
DESIGN.md §2 prescribes for a `mean` pooling Hypencoder. Torch runs on 2 threads (the
machine has two cores, shared). Run by Scripts/make-test-models, once (stamped).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time

import numpy as np
import torch
from transformers import BertModel, BertTokenizerFast

MAX_LENGTH = 256
BATCH = 32


def read_corpus(path: str) -> tuple[list[str], list[str]]:
    ids, texts = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            ids.append(str(row["_id"]))
            texts.append((row.get("title") or "") + " " + (row.get("text") or ""))
    return ids, texts


def read_train_queries(data: str) -> tuple[list[str], list[str]]:
    wanted: list[str] = []
    seen = set()
    with open(os.path.join(data, "qrels", "train.tsv"), encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            if not row or row[0] == "query-id":
                continue
            if row[0] not in seen:
                seen.add(row[0])
                wanted.append(row[0])
    text_of = {}
    with open(os.path.join(data, "queries.jsonl"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                text_of[str(row["_id"])] = row["text"]
    missing = [q for q in wanted if q not in text_of]
    if missing:
        sys.exit(f"embed_corpus: train qrels name queries absent from queries.jsonl: {missing[:5]}")
    return wanted, [text_of[q] for q in wanted]


@torch.no_grad()
def embed(model: BertModel, tokenizer: BertTokenizerFast, texts: list[str]) -> np.ndarray:
    out = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    # Sorting by length keeps padding (wasted work) small; rows go back to their places.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(order), BATCH):
        batch = order[start:start + BATCH]
        encoded = tokenizer([texts[i] for i in batch], padding=True, truncation=True,
                            max_length=MAX_LENGTH, return_tensors="pt")
        hidden = model(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"]).last_hidden_state
        mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)
        out[batch] = pooled.numpy().astype(np.float32)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    torch.set_num_threads(2)
    started = time.time()
    tokenizer = BertTokenizerFast.from_pretrained(args.model)
    model = BertModel.from_pretrained(args.model, add_pooling_layer=False).eval()

    corpus_ids, corpus_texts = read_corpus(os.path.join(args.data, "corpus.jsonl"))
    query_ids, query_texts = read_train_queries(args.data)
    corpus = embed(model, tokenizer, corpus_texts)
    queries = embed(model, tokenizer, query_texts)

    os.makedirs(args.out, exist_ok=True)
    for name, array in (("corpus.npy", corpus), ("queries.npy", queries)):
        np.save(os.path.join(args.out, name + ".tmp.npy"), array)
        os.replace(os.path.join(args.out, name + ".tmp.npy"), os.path.join(args.out, name))
    for name, ids in (("corpus_ids.txt", corpus_ids), ("query_ids.txt", query_ids)):
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            f.write("\n".join(ids) + "\n")
    print(f"embed_corpus: {len(corpus_ids)} documents, {len(query_ids)} queries, dimension "
          f"{corpus.shape[1]} in {time.time() - started:.0f} s -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
