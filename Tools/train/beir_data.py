"""Reading BEIR-layout collections and the seeded SciFact dev split, shared by training and evaluation.

A collection directory holds corpus.jsonl (_id, title, text), queries.jsonl (_id, text) and
qrels/<split>.tsv (query-id, corpus-id, score with a header row).

Documents are always presented to the encoder as `title + " " + text` (what BEIR and
sentence-transformers do); the Swift `rank` command builds the same string, so the three
systems in Tools/eval see byte-identical documents.

The dev split: a query is held out when the first 8 bytes of sha256("scifact-dev-v1:" + id),
read as a big-endian integer, are below 20% of 2^64. Hashing the id (instead of shuffling)
keeps the split stable when queries are added or reordered and needs no stored list.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass

DEV_SALT = "scifact-dev-v1:"
DEV_FRACTION = 0.20


@dataclass
class Collection:
    doc_ids: list[str]
    doc_texts: list[str]          # title + " " + text
    titles: list[str]
    abstracts: list[str]
    query_ids: list[str]
    query_texts: list[str]
    qrels: dict[str, dict[str, int]]   # query id -> doc id -> relevance


def document_text(row: dict) -> str:
    """The string every system encodes for a corpus row (see the module doc)."""
    return (row.get("title") or "") + " " + (row.get("text") or "")


def read_jsonl(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_qrels(path: str) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            if not row or row[0] == "query-id":
                continue
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    return qrels


def load_collection(directory: str, split: str) -> Collection:
    """Corpus, the queries that have judgements in qrels/<split>.tsv, and those judgements."""
    corpus = read_jsonl(os.path.join(directory, "corpus.jsonl"))
    qrels = read_qrels(os.path.join(directory, "qrels", f"{split}.tsv"))
    queries = [q for q in read_jsonl(os.path.join(directory, "queries.jsonl")) if str(q["_id"]) in qrels]
    return Collection(
        doc_ids=[str(r["_id"]) for r in corpus], doc_texts=[document_text(r) for r in corpus],
        titles=[(r.get("title") or "").strip() for r in corpus], abstracts=[r.get("text") or "" for r in corpus],
        query_ids=[str(q["_id"]) for q in queries], query_texts=[q["text"] for q in queries], qrels=qrels)


def is_dev_query(query_id: str) -> bool:
    digest = hashlib.sha256((DEV_SALT + query_id).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") < int(DEV_FRACTION * 2**64)
