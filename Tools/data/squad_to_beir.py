#!/usr/bin/env python3
"""Turns the official SQuAD v1.1 dev file into a retrieval collection in BEIR layout.

    python3 Tools/data/squad_to_beir.py --squad dev-v1.1.json --out Data/squad-dev

Each paragraph becomes one document and each question one query whose single relevant
document is the paragraph it was asked about. Nothing is filtered or rewritten:

- corpus.jsonl: `_id` = `<article title>-<paragraph number>` (e.g. `Super_Bowl_50-0`, the
  number counting from 0 within the article, in file order); `title` = the article title with
  underscores as spaces; `text` = the paragraph's `context`, unchanged.
- queries.jsonl: `_id` = the question's `id`; `text` = its `question`, unchanged.
- qrels/test.tsv: header `query-id corpus-id score`, one row per question with score 1.

The output is deterministic (file order, `ensure_ascii=False`, sorted keys, `\n` endings), so
running this again on the same input gives byte-identical files; Data/squad-dev/README.md
records the checksums of both input and output. Standard library only.
"""

import argparse
import hashlib
import json
import os
import sys

#: The published sha256 of the official dev-v1.1.json.
OFFICIAL_SHA256 = "95aa6a52d5d6a735563366753ca50492a658031da74f301ac5238b03966972c9"


def convert(squad_path, out_dir):
    with open(squad_path, "rb") as f:
        raw = f.read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != OFFICIAL_SHA256:
        sys.exit(f"{squad_path}: sha256 {digest} is not the official dev-v1.1.json's ({OFFICIAL_SHA256})")
    squad = json.loads(raw)
    if squad.get("version") != "1.1":
        sys.exit(f"{squad_path}: version {squad.get('version')!r}, expected '1.1'")

    documents, queries, qrels = [], [], []
    seen_documents, seen_queries = set(), set()
    for article in squad["data"]:
        title = article["title"]
        for number, paragraph in enumerate(article["paragraphs"]):
            document_id = f"{title}-{number}"
            if document_id in seen_documents:
                sys.exit(f"duplicate document id {document_id}")
            seen_documents.add(document_id)
            documents.append({"_id": document_id, "title": title.replace("_", " "), "text": paragraph["context"]})
            for question in paragraph["qas"]:
                if question["id"] in seen_queries:
                    sys.exit(f"duplicate question id {question['id']}")
                seen_queries.add(question["id"])
                queries.append({"_id": question["id"], "text": question["question"]})
                qrels.append((question["id"], document_id))

    os.makedirs(os.path.join(out_dir, "qrels"), exist_ok=True)

    def write_jsonl(name, rows):
        with open(os.path.join(out_dir, name), "w", encoding="utf-8", newline="\n") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")

    write_jsonl("corpus.jsonl", documents)
    write_jsonl("queries.jsonl", queries)
    with open(os.path.join(out_dir, "qrels", "test.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for query_id, document_id in qrels:
            f.write(f"{query_id}\t{document_id}\t1\n")
    print(f"{len(squad['data'])} articles, {len(documents)} documents, {len(queries)} queries, "
          f"{len(qrels)} judgments -> {out_dir}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--squad", required=True, help="the official dev-v1.1.json")
    parser.add_argument("--out", required=True, help="output folder (BEIR layout)")
    args = parser.parse_args()
    convert(args.squad, args.out)


if __name__ == "__main__":
    main()
