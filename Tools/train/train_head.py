#!/usr/bin/env python3
"""Trains the default Hypencoder head on the frozen MiniLM backbone (cache from precompute.py).

    train_head.py --cache .build/train/cache --data Data/scifact \
                  --out Models/hypencoder-minilm-scifact --steps 1000 --lr 5e-5 [--batch 48] [--seed 20261125]

Data (nothing from Cranfield or CISI, which are evaluation sets):
  * SciFact train claims outside the dev split (beir_data.is_dev_query), one example per
    (claim, cited document), repeated CLAIM_REPEATS times per epoch: the only in-domain labels.
  * self-supervised pairs: each document's title, and one seeded sentence of its abstract,
    as a pseudo-query whose positive is the document itself.
Loss: softmax cross-entropy of each query's raw q-net scores over all documents in the batch
(every example's positive = in-batch negatives for the others) plus HARD_NEGATIVES per example
drawn from the MiniLM cosine top-MINED_DEPTH that are not judged relevant.
Model selection: every --eval-every steps, nDCG@10 of the dev claims when the head re-ranks the
MiniLM top-100 (cheap); the best state is kept. The full-ranking numbers come from Tools/eval.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from beir_data import is_dev_query, load_collection  # noqa: E402
from export_head import write_model_files  # noqa: E402
from hyperhead import HyperHead  # noqa: E402
from ranking import (example_batches, mean_states, mine, ndcg_at_10, normalised, optimizer_step,  # noqa: E402
                     padded_states, start_run, warmup_cosine)

VECTOR_DIMENSIONS = [384, 384, 384, 1]     # d0 = 384, two hidden layers, one score
CLAIM_REPEATS = 3
HARD_NEGATIVES = 3
MINED_DEPTH = 30
RERANK_DEPTH = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=48)
    parser.add_argument("--lr", type=float, default=5e-5,
                        help="3e-4 pulled the head away from its bi-encoder start (dev 0.656 -> 0.620 at step 100)")
    parser.add_argument("--value-shift", type=float, default=0.0,
                        help="initial bias of the last weight's value projection (0: ReLU drops negative components)")
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--max-minutes", type=float, default=40.0,
                        help="stop early (keeping the best dev state) when training runs past this")
    args = parser.parse_args()
    rng, log = start_run(args.seed)
    started = time.time()

    collection = load_collection(args.data, "train")
    doc_index = {d: i for i, d in enumerate(collection.doc_ids)}
    docs = np.load(os.path.join(args.cache, "doc_vectors.npy"))
    doc_unit = normalised(docs)
    sources = {name: (np.load(os.path.join(args.cache, f"{name}.npy"), mmap_mode="r"),
                      np.load(os.path.join(args.cache, f"{name}_len.npy")))
               for name in ("claims", "titles", "sentences")}

    # Examples: (source name, row in that source, positive document, positive set).
    examples: list[tuple[str, int, int, frozenset]] = []
    dev_rows, dev_relevant = [], []
    for row, qid in enumerate(collection.query_ids):
        relevant = frozenset(doc_index[d] for d in collection.qrels[qid] if d in doc_index)
        if is_dev_query(qid):
            dev_rows.append(row)
            dev_relevant.append(dict.fromkeys(relevant, 1))
            continue
        for positive in sorted(relevant):
            examples += [("claims", row, positive, relevant)] * CLAIM_REPEATS
    claim_examples = len(examples)
    for name in ("titles", "sentences"):
        lengths = sources[name][1]
        for row in range(len(collection.doc_ids)):
            if lengths[row] > 2:     # more than [CLS] [SEP]: skip empty titles
                examples.append((name, row, row, frozenset([row])))
    log(f"{len(examples)} training examples ({claim_examples} from {len(collection.query_ids) - len(dev_rows)} "
        f"train claims x{CLAIM_REPEATS}), {len(dev_rows)} dev claims held out")

    negatives = {}
    for name, (states, lengths) in sources.items():
        positives = [set() for _ in range(len(lengths))]
        for source, row, positive, relevant in examples:
            if source == name:
                positives[row] |= relevant
        if name == "claims":
            for row, relevant in zip(dev_rows, dev_relevant):
                positives[row] |= set(relevant)
        negatives[name] = mine(mean_states(np.asarray(states), lengths), doc_unit, positives, MINED_DEPTH)
    log("hard negatives mined")

    # Initial w_n scale: logits of about 20 x cosine, like a bi-encoder trained with temperature 0.05.
    # w_n·LN(x0) is about d·cos for unit-variance w_n, hence scale 20 / d.
    initial_scale = 20.0 / VECTOR_DIMENSIONS[0]
    head = HyperHead(VECTOR_DIMENSIONS[0], VECTOR_DIMENSIONS, initial_scale, args.seed, args.value_shift)
    optimizer = torch.optim.AdamW(head.parameters(), lr=args.lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(args.steps))
    docs_t = torch.from_numpy(docs)

    def batch_states(name: str, rows: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        states, lengths = sources[name]
        length = int(lengths[rows].max())
        H = torch.from_numpy(np.asarray(states[rows, :length], dtype=np.float32))
        mask = (torch.arange(length)[None, :] < torch.from_numpy(lengths[rows])[:, None]).long()
        return H, mask

    dev_query_vectors = normalised(mean_states(np.asarray(sources["claims"][0][dev_rows]), sources["claims"][1][dev_rows]))
    dev_top = np.argsort(-(dev_query_vectors @ doc_unit.T), axis=1)[:, :RERANK_DEPTH]
    bi_encoder_dev = float(np.mean([ndcg_at_10(list(dev_top[i]), dev_relevant[i]) for i in range(len(dev_rows))]))

    @torch.no_grad()
    def dev_ndcg() -> float:
        head.eval()
        H, mask = batch_states("claims", dev_rows)
        weights, biases = head.qnets(H, mask)
        scores = head.score(weights, biases, docs_t[torch.from_numpy(dev_top)])
        order = torch.argsort(scores, dim=1, descending=True).numpy()
        head.train()
        return float(np.mean([ndcg_at_10([int(dev_top[i][j]) for j in order[i]], dev_relevant[i])
                              for i in range(len(dev_rows))]))

    best = (dev_ndcg(), 0, {k: v.clone() for k, v in head.state_dict().items()})
    log(f"dev nDCG@10 (re-rank MiniLM top-{RERANK_DEPTH}): bi-encoder {bi_encoder_dev:.4f}, "
        f"head at initialisation {best[0]:.4f}")

    losses, steps_run = [], 0
    for step, indices in zip(range(1, args.steps + 1), example_batches(len(examples), args.batch, rng)):
        steps_run = step
        picked = [examples[i] for i in indices]
        doc_list = [positive for _, _, positive, _ in picked]
        for name, row, _, _ in picked:
            pool = negatives[name][row]
            pool = pool[pool >= 0]
            doc_list += list(rng.choice(pool, size=HARD_NEGATIVES, replace=False))
        doc_ids_t = torch.tensor(doc_list)
        blocked = torch.tensor([[d in relevant and n != b for n, d in enumerate(doc_list)]
                                for b, (_, _, _, relevant) in enumerate(picked)])
        # Queries come from different sources with different lengths: pad them into one batch.
        H, mask = padded_states([(*sources[name], row) for name, row, _, _ in picked], 32, VECTOR_DIMENSIONS[0])
        weights, biases = head.qnets(H, mask)
        scores = head.score(weights, biases, docs_t[doc_ids_t]).masked_fill(blocked, float("-inf"))
        loss = torch.nn.functional.cross_entropy(scores, torch.arange(len(picked)))
        losses.append(optimizer_step(loss, head, optimizer, schedule))
        if step % 20 == 0:
            log(f"step {step} loss {np.mean(losses[-20:]):.4f} lr {schedule.get_last_lr()[0]:.2e}")
        out_of_time = time.time() - started > 60 * args.max_minutes
        if step % args.eval_every == 0 or step == args.steps or out_of_time:
            score = dev_ndcg()
            log(f"step {step} dev nDCG@10 (re-rank) {score:.4f}")
            if score > best[0]:
                best = (score, step, {k: v.clone() for k, v in head.state_dict().items()})
            if out_of_time:
                log(f"stopping at step {step}: past --max-minutes {args.max_minutes}")
                break

    head.load_state_dict(best[2])
    log(f"kept step {best[1]} (dev nDCG@10 re-rank {best[0]:.4f}); writing {args.out}")
    write_model_files(head, VECTOR_DIMENSIONS, args.out, {
        "seed": args.seed, "steps": args.steps, "steps_run": steps_run, "batch": args.batch, "lr": args.lr,
        "value_shift": args.value_shift,
        "kept_step": best[1],
        "dev_ndcg10_rerank": round(best[0], 4), "bi_encoder_dev_ndcg10_rerank": round(bi_encoder_dev, 4),
        "training_seconds": round(time.time() - started), "examples": len(examples)})


if __name__ == "__main__":
    main()
