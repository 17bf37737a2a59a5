#!/usr/bin/env python3
"""Caches everything the head trainer needs from the frozen MiniLM backbone, once.

    precompute.py --backbone .build/models/all-MiniLM-L6-v2 --data Data/scifact \
                  --out .build/train/cache [--reuse-corpus .build/fixtures/scifact-minilm]

Writes (numpy .npy; states float16, zero past each row's length):
    doc_vectors.npy      (N, 384) float32  title + " " + abstract, 256 tokens, masked mean
    claims.npy / claims_len.npy       (807, 32, 384) token states of every SciFact train claim
    titles.npy / titles_len.npy       (N, 32, 384)   token states of each document's title
    sentences.npy / sentences_len.npy (N, 32, 384)   one seeded abstract sentence per document
    meta.json            ids, the seed and the chosen sentences, so the cache explains itself

Why these: the claims are the supervised training queries (the dev split is applied by the
trainer, not here); titles and abstract sentences are self-supervised pseudo-queries whose
positive is their own document (SciFact claims are themselves sentences rewritten from
citing papers, so an abstract sentence is a fair stand-in). Query states use 32 tokens,
the authors' training length. Document vectors include the title because that is what is
searched at inference; a second, abstract-only corpus encoding would cost ~20 minutes on
our 2 shared cores.

--reuse-corpus: Scripts/make-test-models already embeds the SciFact corpus with exactly this
recipe (Tools/reference/embed_corpus.py); when that directory's ids match, its corpus.npy is
copied instead of spending ~20 minutes recomputing it.
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
from beir_data import load_collection  # noqa: E402
from cache_collection import save  # noqa: E402
from minilm import MiniLM  # noqa: E402

SEED = 20261125
QUERY_TOKENS = 32
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


def pick_sentence(abstract: str, rng: random.Random) -> str:
    """A random sentence of at least 6 words (the whole abstract's start if none qualifies)."""
    sentences = [s.strip() for s in SENTENCE_BREAK.split(abstract) if len(s.split()) >= 6]
    return rng.choice(sentences) if sentences else " ".join(abstract.split()[:30])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backbone", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--reuse-corpus")
    args = parser.parse_args()
    started = time.time()
    os.makedirs(args.out, exist_ok=True)
    collection = load_collection(args.data, "train")
    encoder = MiniLM(args.backbone)

    reused = False
    if args.reuse_corpus:
        ids_path = os.path.join(args.reuse_corpus, "corpus_ids.txt")
        if os.path.exists(ids_path):
            with open(ids_path, encoding="utf-8") as f:
                if f.read().split() == collection.doc_ids:
                    save(args.out, "doc_vectors", np.load(os.path.join(args.reuse_corpus, "corpus.npy")))
                    reused = True
    if not reused:
        save(args.out, "doc_vectors", encoder.document_vectors(collection.doc_texts))
    print(f"precompute: documents ready ({'reused' if reused else 'encoded'}) at {time.time() - started:.0f} s",
          file=sys.stderr)

    rng = random.Random(SEED)
    sentences = [pick_sentence(a, rng) for a in collection.abstracts]
    for name, texts in (("claims", collection.query_texts), ("titles", collection.titles),
                        ("sentences", sentences)):
        states, lengths = encoder.token_states(texts, QUERY_TOKENS)
        save(args.out, name, states)
        save(args.out, name + "_len", lengths)
        print(f"precompute: {name} ({len(texts)}) at {time.time() - started:.0f} s", file=sys.stderr)

    with open(os.path.join(args.out, "meta.json"), "w", encoding="utf-8") as f:
        json.dump({"seed": SEED, "query_tokens": QUERY_TOKENS, "doc_ids": collection.doc_ids,
                   "claim_ids": collection.query_ids, "sentences": sentences,
                   "corpus_reused_from": args.reuse_corpus if reused else None}, f)
    print(f"precompute: done in {time.time() - started:.0f} s -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
