"""Small helpers the head trainers share: mean query vectors, mined hard negatives, nDCG@10,
re-ranking a bi-encoder's top documents with a head (the cheap dev check), padding cached query
states into a batch and one optimiser step."""
from __future__ import annotations

import math
import time
from collections.abc import Mapping

import numpy as np
import torch


def mean_states(states: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(N, d) masked means of cached token states (zeros past each row's length)."""
    sums = states.astype(np.float32).sum(axis=1)
    return sums / lengths[:, None]


def normalised(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def mine(query_vectors: np.ndarray, doc_unit: np.ndarray, positives: list[set[int]], depth: int,
         pool: np.ndarray | None = None) -> np.ndarray:
    """(Q, depth) bi-encoder top documents per query with its positives removed (−1 pads).
    `pool`: the document rows that may be drawn (default all)."""
    pool = np.arange(len(doc_unit)) if pool is None else pool
    out = np.full((len(query_vectors), depth), -1, dtype=np.int64)
    for start in range(0, len(query_vectors), 1024):
        sims = normalised(query_vectors[start:start + 1024]) @ doc_unit[pool].T
        top = pool[np.argsort(-sims, axis=1)[:, :depth + 8]]
        for k, row in enumerate(top):
            kept = [d for d in row if d not in positives[start + k]][:depth]
            out[start + k, :len(kept)] = kept
    return out


def ndcg_at_10(ranked: list[int], relevance: Mapping[int, int]) -> float:
    """nDCG@10 with linear gains (ir-measures' nDCG): `relevance` maps a document to its grade."""
    dcg = sum(max(0, relevance.get(d, 0)) / math.log2(r + 2) for r, d in enumerate(ranked[:10]))
    ideal_gains = sorted((g for g in relevance.values() if g > 0), reverse=True)[:10]
    ideal = sum(g / math.log2(r + 2) for r, g in enumerate(ideal_gains))
    return dcg / ideal if ideal else 0.0


def bi_encoder_top(query_vectors: np.ndarray, doc_unit: np.ndarray, depth: int) -> np.ndarray:
    """(Q, depth) document rows by cosine, best first."""
    return np.argsort(-(normalised(query_vectors) @ doc_unit.T), axis=1)[:, :depth]


class RerankCheck:
    """The cheap dev check every trainer uses: mean nDCG@10 when a head re-orders, for each query
    of a fixed set, the bi-encoder's top `depth` documents; `bi_encoder` is that ranking's own
    value. Query states are cached token states (zeros past each row's length)."""

    def __init__(self, states: np.ndarray, lengths: np.ndarray, relevance: list[Mapping[int, int]],
                 docs: np.ndarray, doc_unit: np.ndarray, depth: int = 100):
        self.states, self.lengths, self.relevance = states, lengths, relevance
        self.docs = torch.from_numpy(docs)
        self.top = bi_encoder_top(mean_states(states, lengths), doc_unit, depth)
        self.bi_encoder = float(np.mean([ndcg_at_10(list(t), r) for t, r in zip(self.top, relevance)]))

    def __call__(self, head) -> float:
        return float(np.mean(self.per_query(head)))

    def per_query(self, head) -> np.ndarray:
        """Each query's nDCG@10 under `head`, in query order (for paired comparisons)."""
        head.eval()
        values = rerank_values(head, self.states, self.lengths, self.docs, self.top, self.relevance)
        head.train()
        return values


def example_batches(count: int, size: int, rng: np.random.Generator):
    """Endless batches of `size` example indices out of `count`, walking a seeded permutation and
    drawing a fresh one when too few are left (one short batch of all when count < size)."""
    while True:
        order = rng.permutation(count)
        for start in range(0, max(1, count - size + 1), size):
            yield order[start:start + size]


@torch.no_grad()
def rerank_values(head, states: np.ndarray, lengths: np.ndarray, docs: torch.Tensor, top: np.ndarray,
                  relevance: list[Mapping[int, int]], batch: int = 64) -> np.ndarray:
    """Each query's nDCG@10 when `head` re-orders its `top` documents."""
    values = []
    for start in range(0, len(lengths), batch):
        rows = slice(start, start + batch)
        length = int(lengths[rows].max())
        H = torch.from_numpy(np.asarray(states[rows, :length], dtype=np.float32))
        mask = (torch.arange(length)[None, :] < torch.from_numpy(lengths[rows])[:, None]).long()
        weights, biases = head.qnets(H, mask)
        candidates = top[rows]
        scores = head.score(weights, biases, docs[torch.from_numpy(candidates)])
        order = torch.argsort(scores, dim=1, descending=True).numpy()
        for k in range(len(candidates)):
            values.append(ndcg_at_10([int(candidates[k][j]) for j in order[k]], relevance[start + k]))
    return np.asarray(values)


def padded_states(items, tokens: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """One padded batch from cached token states: `items` are (states, lengths, row) triples, rows
    of different caches allowed; returns H (B, L, width) and its mask, L the longest row."""
    H = torch.zeros(len(items), tokens, width)
    mask = torch.zeros(len(items), tokens, dtype=torch.long)
    for b, (states, lengths, row) in enumerate(items):
        n = int(lengths[row])
        H[b, :n] = torch.from_numpy(np.asarray(states[row, :n], dtype=np.float32))
        mask[b, :n] = 1
    length = int(mask.sum(1).max())
    return H[:, :length], mask[:, :length]


def optimizer_step(loss: torch.Tensor, head, optimizer, schedule) -> float:
    """Backward, clip the gradient to norm 1, step the optimiser and its schedule; the loss value."""
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(head.parameters(), 1.0)
    optimizer.step()
    schedule.step()
    return loss.item()


def start_run(seed: int, threads: int = 2):
    """Seeds torch and numpy, sets the thread count; returns the numpy generator and a logger
    that prefixes each line with the seconds since this call."""
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    started = time.time()

    def log(message: str) -> None:
        print(f"[{time.time() - started:7.1f}s] {message}", flush=True)

    return np.random.default_rng(seed), log


def warmup_cosine(steps: int):
    """Learning-rate factor per step: linear warm-up over 5 % of `steps`, then cosine decay to 0."""
    warmup = max(1, steps // 20)
    return lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / max(1, steps)))
