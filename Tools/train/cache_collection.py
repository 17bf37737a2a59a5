#!/usr/bin/env python3
"""Caches one BEIR-layout collection through the frozen MiniLM backbone, for training and dev checks.

    cache_collection.py --backbone .build/models/all-MiniLM-L6-v2 --collection Data/squad-dev \
                        --out .build/train/collections/squad-dev [--split test] [--sentences 2]
                        [--no-queries] [--reuse-corpus DIR] [--later-sentences]

Writes (numpy .npy; token states float16, zero past each row's length):
    doc_vectors.npy            (N, 384) float32: title + " " + text, 256 tokens, masked mean
    queries.npy / _len.npy     token states (32 tokens) of every query judged in qrels/<split>.tsv
    sentences.npy / _len.npy   up to --sentences seeded sentences (>= 6 words) of each document
    sentence_docs.npy          the document row each sentence came from
    titles.npy / _len.npy      every document's title (empty titles have length 2: [CLS] [SEP])
    meta.json                  ids, split, seed and the chosen sentences, so the cache explains itself

The trainers (train_general.py, adapt.py) turn these into examples: judged queries are
supervised pairs; titles and sentences are self-supervised pseudo-queries whose positive is
their own document. --no-queries skips the queries (a corpus without any, or a collection used
only for pseudo-queries). A corpus.jsonl without queries.jsonl/qrels is fine with --no-queries.

--later-sentences (adapt.py): a document's opening is what its vector resembles most, so a
pseudo-query taken from it is too easy to teach anything. With this flag the sentences are
drawn from after the opening, split at every . ! ? followed by a space (lowercase texts such
as Cranfield's " . " split too), and a document with nothing after its opening gives none.

--reuse-corpus DIR: a directory with corpus_ids.txt and corpus.npy made by the same recipe
(Scripts/make-test-models writes one for SciFact); used when its ids match.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from beir_data import document_text, load_collection, read_jsonl  # noqa: E402
from minilm import BATCH, MiniLM  # noqa: E402

SEED = 20261207
QUERY_TOKENS = 32
DOCUMENT_TOKENS = 256
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
ANY_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
PROGRESS_CHUNK = 16 * BATCH     # a multiple of MiniLM's batch, so chunking leaves every batch as it was


def document_sentences(text: str, count: int, rng: random.Random) -> list[str]:
    """Up to `count` distinct seeded sentences of at least 6 words (the text's start if none qualifies)."""
    sentences = [s.strip() for s in SENTENCE_BREAK.split(text) if len(s.split()) >= 6]
    if not sentences:
        start = " ".join(text.split()[:30])
        return [start] if len(start.split()) >= 3 else []
    return rng.sample(sentences, min(count, len(sentences)))


def later_sentences(text: str, count: int, rng: random.Random) -> list[str]:
    """Up to `count` distinct seeded sentences of at least 6 words after the text's opening one."""
    sentences = [s.strip() for s in ANY_SENTENCE_BREAK.split(text.strip())[1:] if len(s.split()) >= 6]
    return rng.sample(sentences, min(count, len(sentences)))


def encode_documents(encoder: MiniLM, texts: list[str], log) -> np.ndarray:
    """MiniLM.document_vectors in chunks, logging documents per second (a 10,000-document corpus
    takes a quarter of an hour). Chunks follow MiniLM's own shortest-first order and hold whole
    batches, so each batch, and therefore each vector, is exactly what one call would give."""
    lengths = [len(ids) for ids in encoder.tokenizer(texts, truncation=True, max_length=DOCUMENT_TOKENS)["input_ids"]]
    order = sorted(range(len(texts)), key=lambda i: lengths[i])
    vectors = np.zeros((len(texts), encoder.hidden), dtype=np.float32)
    started = time.time()
    for start in range(0, len(order), PROGRESS_CHUNK):
        rows = order[start:start + PROGRESS_CHUNK]
        vectors[rows] = encoder.document_vectors([texts[i] for i in rows], DOCUMENT_TOKENS)
        done = start + len(rows)
        log(f"{done}/{len(texts)} documents, {done / max(time.time() - started, 1e-3):.1f} docs/s")
    return vectors


def save(out: str, name: str, array: np.ndarray) -> None:
    np.save(os.path.join(out, name + ".tmp.npy"), array)
    os.replace(os.path.join(out, name + ".tmp.npy"), os.path.join(out, name + ".npy"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backbone", required=True)
    parser.add_argument("--collection", required=True, help="folder with corpus.jsonl (BEIR layout)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--split", default="test", help="qrels/<split>.tsv names the queries to cache")
    parser.add_argument("--sentences", type=int, default=1, help="pseudo-query sentences per document")
    parser.add_argument("--no-queries", action="store_true")
    parser.add_argument("--reuse-corpus")
    parser.add_argument("--later-sentences", action="store_true",
                        help="pseudo-query sentences from after each document's opening (see above)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    started = time.time()

    def log(message: str) -> None:
        print(f"cache_collection: {message} ({time.time() - started:.0f} s)", file=sys.stderr, flush=True)

    os.makedirs(args.out, exist_ok=True)
    if args.no_queries:
        corpus = read_jsonl(os.path.join(args.collection, "corpus.jsonl"))
        doc_ids = [str(r["_id"]) for r in corpus]
        doc_texts = [document_text(r) for r in corpus]
        titles = [(r.get("title") or "").strip() for r in corpus]
        bodies = [r.get("text") or "" for r in corpus]
        query_ids, query_texts = [], []
    else:
        collection = load_collection(args.collection, args.split)
        doc_ids, doc_texts = collection.doc_ids, collection.doc_texts
        titles, bodies = collection.titles, collection.abstracts
        query_ids, query_texts = collection.query_ids, collection.query_texts
    encoder = MiniLM(args.backbone, threads=args.threads)

    reused = False
    if args.reuse_corpus and os.path.exists(os.path.join(args.reuse_corpus, "corpus_ids.txt")):
        with open(os.path.join(args.reuse_corpus, "corpus_ids.txt"), encoding="utf-8") as f:
            if f.read().split() == doc_ids:
                save(args.out, "doc_vectors", np.load(os.path.join(args.reuse_corpus, "corpus.npy")))
                reused = True
    if not reused:
        save(args.out, "doc_vectors", encode_documents(encoder, doc_texts, log))
    log(f"{len(doc_ids)} document vectors {'reused' if reused else 'encoded'}")

    rng = random.Random(SEED)
    pick_sentences = later_sentences if args.later_sentences else document_sentences
    sentences, sentence_docs = [], []
    for row, body in enumerate(bodies):
        for sentence in pick_sentences(body, args.sentences, rng):
            sentences.append(sentence)
            sentence_docs.append(row)
    save(args.out, "sentence_docs", np.asarray(sentence_docs, dtype=np.int64))
    for name, texts in (("queries", query_texts), ("sentences", sentences), ("titles", titles)):
        if not texts:
            save(args.out, name, np.zeros((0, QUERY_TOKENS, encoder.hidden), dtype=np.float16))
            save(args.out, name + "_len", np.zeros(0, dtype=np.int32))
            continue
        states, lengths = encoder.token_states(texts, QUERY_TOKENS)
        save(args.out, name, states)
        save(args.out, name + "_len", lengths)
        log(f"{len(texts)} {name}")

    with open(os.path.join(args.out, "meta.json"), "w", encoding="utf-8") as f:
        json.dump({"collection": os.path.abspath(args.collection), "split": None if args.no_queries else args.split,
                   "seed": SEED, "query_tokens": QUERY_TOKENS, "doc_ids": doc_ids, "query_ids": query_ids,
                   "sentences": sentences, "later_sentences": args.later_sentences,
                   "corpus_reused_from": args.reuse_corpus if reused else None}, f)
    log(f"done -> {args.out}")


if __name__ == "__main__":
    main()
