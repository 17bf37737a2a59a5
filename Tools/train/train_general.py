#!/usr/bin/env python3
"""Trains the general head: starts as the MiniLM bi-encoder exactly, moves only where the data says.

    train_general.py --data Data --caches .build/train/collections --out .build/train/general \
                     [--train squad-dev] [--ood cranfield,cisi,scifact] [--steps 200] [--lr 1e-4]

Inputs are caches written by cache_collection.py (one folder per collection under --caches) and
the BEIR folders under --data for their qrels (our copies in Data/; public sources in each
folder's README: SQuAD v1.1 dev from rajpurkar.github.io/SQuAD-explorer, CC BY-SA 4.0).

Training data (SQuAD v1.1 dev only, CC BY-SA 4.0; nothing from the --ood collections):
  * the questions of the training articles, each with its paragraph as the positive;
  * self-supervised pairs: seeded sentences of each training paragraph → that paragraph.
  An article is held out for dev when the first 8 bytes of sha256("squad-articles-v1:" + article)
  are below 20 % of 2^64 (`is_dev_article`); its paragraphs are never positives or negatives.
Loss: softmax cross-entropy of each query's q-net scores over the batch's documents (every
positive, plus HARD_NEGATIVES per example from the bi-encoder's top-MINED_DEPTH training
paragraphs that are not the positive).

Start: `HyperHead.bi_encoder_start` — a [384, 768, 1] q-net with our `linear_last_weight`
extension that ranks exactly like the bi-encoder's cosine, so step 0 is the bi-encoder.

Stopping rule: every --eval-every steps, nDCG@10 when the head re-ranks the bi-encoder's
top-RERANK_DEPTH on the SQuAD dev articles and on every --ood collection (all their judged
queries). A state is admissible when every one of these values is at least the bi-encoder's and
the --ood mean is above it; the admissible state with the best SQuAD dev value is kept (step 0,
the bi-encoder itself, when none is). Full-corpus numbers come from Tools/eval.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from beir_data import load_collection  # noqa: E402
from export_head import write_model_files  # noqa: E402
from hyperhead import HyperHead  # noqa: E402
from ranking import (RerankCheck, example_batches, mean_states, mine, normalised, optimizer_step,  # noqa: E402
                     padded_states, start_run, warmup_cosine)

D = 384
VECTOR_DIMENSIONS = [D, 2 * D, 1]
HARD_NEGATIVES = 3
MINED_DEPTH = 30
RERANK_DEPTH = 100
QUERY_TOKENS = 32
# The served model reads queries up to 256 tokens, as sentence-transformers does for this
# backbone, so that before training it ranks exactly like the bi-encoder on long queries too.
QUERY_MAX_LENGTH_SERVED = 256
ARTICLE_SALT = "squad-articles-v1:"
DEV_FRACTION = 0.20
LAYER0_SHIFT = 4.0          # > every |x0_i| of MiniLM mean vectors (max 0.65 over SciFact)
LAYER0_EXPORT_SCALE = 256.0
TARGET_LOGIT_SCALE = 20.0   # initial logits ≈ 20·cos, like a bi-encoder trained at temperature 0.05


def is_dev_article(article: str) -> bool:
    digest = hashlib.sha256((ARTICLE_SALT + article).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") < int(DEV_FRACTION * 2**64)


def article_of(doc_id: str) -> str:
    """SQuAD paragraph ids are `<article>-<position>` (Tools/data/squad_to_beir.py)."""
    return doc_id.rsplit("-", 1)[0]


class CachedCollection:
    """A cache_collection.py folder with the qrels of its BEIR folder, as row indices."""

    def __init__(self, cache: str, data: str, split: str):
        self.docs = np.load(os.path.join(cache, "doc_vectors.npy"))
        self.doc_unit = normalised(self.docs)
        with open(os.path.join(cache, "meta.json"), encoding="utf-8") as f:
            meta = json.load(f)
        collection = load_collection(data, split)
        if collection.doc_ids != meta["doc_ids"] or collection.query_ids != meta["query_ids"]:
            raise SystemExit(f"{cache} was made from other documents or queries than {data}; run cache_collection.py again")
        self.doc_ids = collection.doc_ids
        self.query_ids = collection.query_ids
        row = {d: i for i, d in enumerate(self.doc_ids)}
        self.relevance = [{row[d]: g for d, g in collection.qrels[q].items() if d in row} for q in self.query_ids]
        self.states = np.load(os.path.join(cache, "queries.npy"), mmap_mode="r")
        self.lengths = np.load(os.path.join(cache, "queries_len.npy"))
        self.sentences = np.load(os.path.join(cache, "sentences.npy"), mmap_mode="r")
        self.sentence_lengths = np.load(os.path.join(cache, "sentences_len.npy"))
        self.sentence_docs = np.load(os.path.join(cache, "sentence_docs.npy"))


class DevCheck(RerankCheck):
    """A named RerankCheck on some judged queries of a cached collection."""

    def __init__(self, name: str, collection: CachedCollection, rows: list[int]):
        self.name = name
        super().__init__(np.asarray(collection.states[rows]), collection.lengths[rows],
                         [collection.relevance[r] for r in rows], collection.docs, collection.doc_unit, RERANK_DEPTH)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="Data", help="folder of BEIR collections (qrels)")
    parser.add_argument("--caches", required=True, help="folder of cache_collection.py outputs, one per collection")
    parser.add_argument("--out", required=True)
    parser.add_argument("--train", default="squad-dev")
    parser.add_argument("--ood", default="cranfield,cisi,scifact",
                        help="out-of-domain dev collections for the stopping rule (never trained on)")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch", type=int, default=48)
    parser.add_argument("--lr", type=float, default=1e-4, help="SGD (momentum 0.9) on gradients clipped to norm 1")
    parser.add_argument("--eval-every", type=int, default=20)
    parser.add_argument("--hard-negatives", type=int, default=HARD_NEGATIVES,
                        help="mined negatives per example (0: in-batch negatives only)")
    parser.add_argument("--no-sentences", action="store_true", help="questions only, no sentence pseudo-queries")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--max-minutes", type=float, default=40.0)
    parser.add_argument("--learn", choices=("pooling", "last", "all"), default="pooling",
                        help="pooling: only the last weight's attention over the query's tokens (keys and query "
                             "row: about d effective parameters); last: the last weight's whole generator; "
                             "all: every generator")
    args = parser.parse_args()
    rng, log = start_run(args.seed)
    started = time.time()

    train = CachedCollection(os.path.join(args.caches, args.train), os.path.join(args.data, args.train), "test")
    dev_doc = np.array([is_dev_article(article_of(d)) for d in train.doc_ids])
    train_pool = np.flatnonzero(~dev_doc)
    # Examples: (states, lengths, row, positive document).
    examples: list[tuple[str, int, int]] = []
    dev_rows = []
    for row, relevance in enumerate(train.relevance):
        (positive,) = relevance.keys()       # SQuAD: one paragraph per question
        if dev_doc[positive]:
            dev_rows.append(row)
        else:
            examples.append(("queries", row, positive))
    question_examples = len(examples)
    for row, doc in enumerate([] if args.no_sentences else train.sentence_docs):
        if not dev_doc[doc]:
            examples.append(("sentences", row, int(doc)))
    sources = {"queries": (train.states, train.lengths), "sentences": (train.sentences, train.sentence_lengths)}
    articles = sorted({article_of(d) for d in train.doc_ids})
    dev_articles = [a for a in articles if is_dev_article(a)]
    log(f"{len(examples)} training examples ({question_examples} questions, {len(examples) - question_examples} "
        f"sentences) from {len(articles) - len(dev_articles)} articles; {len(dev_rows)} questions on "
        f"{len(dev_articles)} held-out articles: {', '.join(dev_articles)}")

    negatives = {}
    for name, (states, lengths) in sources.items():
        rows = [row for source, row, _ in examples if source == name]
        positives = [set() for _ in range(len(lengths))]
        for source, row, positive in examples:
            if source == name:
                positives[row].add(positive)
        mined = np.full((len(lengths), MINED_DEPTH), -1, dtype=np.int64)
        mined[rows] = mine(mean_states(np.asarray(states[rows]), lengths[rows]), train.doc_unit,
                           [positives[r] for r in rows], MINED_DEPTH, pool=train_pool)
        negatives[name] = mined
    log("hard negatives mined")

    checks = [DevCheck(args.train, train, dev_rows)]
    for name in [n for n in args.ood.split(",") if n]:
        split = "train" if name == "scifact" else "test"
        collection = CachedCollection(os.path.join(args.caches, name), os.path.join(args.data, name), split)
        checks.append(DevCheck(name, collection, list(range(len(collection.query_ids)))))
    log("dev sets (re-rank the bi-encoder's top 100): " +
        ", ".join(f"{c.name} {len(c.lengths)} q, bi-encoder {c.bi_encoder:.4f}" for c in checks))

    query_norm = float(np.median(np.linalg.norm(mean_states(np.asarray(train.states[:2000]), train.lengths[:2000]), axis=1)))
    scale = TARGET_LOGIT_SCALE / (2 * math.sqrt(D) * query_norm)
    head = HyperHead(D, VECTOR_DIMENSIONS, 0.0, args.seed, linear_last_weight=True, residual_on_last=False)
    head.bi_encoder_start(scale=scale, shift=LAYER0_SHIFT, export_scale=LAYER0_EXPORT_SCALE)
    # SGD, not Adam: Adam moves every entry by about lr whatever its gradient, so the many
    # entries of the 768-wide generators whose gradients are mostly noise drift as much as the
    # informative ones, and a head that starts as the bi-encoder lost 3 points of dev nDCG in its
    # first 100 steps (lr 2e-5). SGD moves each entry in proportion to the evidence for it.
    optimizer = torch.optim.SGD(head.learnable(args.learn), lr=args.lr, momentum=0.9)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(args.steps))
    docs_t = torch.from_numpy(train.docs)

    history = []

    def evaluate(step: int) -> None:
        values = {c.name: c(head) for c in checks}
        ood = checks[1:]
        admissible = all(values[c.name] >= c.bi_encoder for c in checks) and (
            not ood or np.mean([values[c.name] for c in ood]) > np.mean([c.bi_encoder for c in ood]))
        history.append({"step": step, "admissible": bool(admissible), **{k: round(v, 4) for k, v in values.items()}})
        log(f"step {step} dev " + " ".join(f"{k} {v:.4f}" for k, v in values.items()) +
            (" admissible" if admissible else ""))
        return values, admissible

    values, _ = evaluate(0)
    best = (values[args.train], 0, {k: v.clone() for k, v in head.state_dict().items()})
    kept_admissible = False
    losses, steps_run = [], 0
    for step, indices in zip(range(1, args.steps + 1), example_batches(len(examples), args.batch, rng)):
        steps_run = step
        picked = [examples[i] for i in indices]
        doc_list = [positive for _, _, positive in picked]
        for name, row, _ in picked:
            pool = negatives[name][row]
            pool = pool[pool >= 0]
            doc_list += list(rng.choice(pool, size=args.hard_negatives, replace=False))
        # The same paragraph can be another example's positive or a mined negative: mask it out
        # for every query but the one whose positive it is at that column.
        blocked = torch.tensor([[d == positive and n != b for n, d in enumerate(doc_list)]
                                for b, (_, _, positive) in enumerate(picked)])
        H, mask = padded_states([(*sources[name], row) for name, row, _ in picked], QUERY_TOKENS, D)
        weights, biases = head.qnets(H, mask)
        scores = head.contrastive_logits(weights, biases, docs_t[torch.tensor(doc_list)], TARGET_LOGIT_SCALE)
        scores = scores.masked_fill(blocked, float("-inf"))
        loss = torch.nn.functional.cross_entropy(scores, torch.arange(len(picked)))
        losses.append(optimizer_step(loss, head, optimizer, schedule))
        if step % 20 == 0:
            log(f"step {step} loss {np.mean(losses[-20:]):.4f} lr {schedule.get_last_lr()[0]:.2e}")
        out_of_time = time.time() - started > 60 * args.max_minutes
        if step % args.eval_every == 0 or step == args.steps or out_of_time:
            values, admissible = evaluate(step)
            if admissible and (not kept_admissible or values[args.train] > best[0]):
                best = (values[args.train], step, {k: v.clone() for k, v in head.state_dict().items()})
                kept_admissible = True
            if out_of_time:
                log(f"stopping at step {step}: past --max-minutes {args.max_minutes}")
                break

    head.load_state_dict(best[2])
    if not kept_admissible:
        log("no trained state kept every out-of-domain dev set at or above the bi-encoder: keeping step 0")
    log(f"kept step {best[1]} ({args.train} dev re-rank {best[0]:.4f}); writing {args.out}")
    write_model_files(head, VECTOR_DIMENSIONS, args.out, {
        "recipe": "Tools/train/train_general.py", "seed": args.seed, "steps": args.steps, "steps_run": steps_run,
        "batch": args.batch, "lr": args.lr, "kept_step": best[1], "examples": len(examples),
        "train": args.train, "held_out_articles": dev_articles,
        "bi_encoder_dev_rerank": {c.name: round(c.bi_encoder, 4) for c in checks},
        "dev_rerank_history": history, "training_seconds": round(time.time() - started)},
        dtype=torch.float32, query_max_length=QUERY_MAX_LENGTH_SERVED)


if __name__ == "__main__":
    main()
