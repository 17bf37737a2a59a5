#!/usr/bin/env python3
"""Adapts the general Hypencoder head to one corpus, without relevance labels (issue 13).

    Scripts/adapt-model CORPUS OUT_DIR [--head DIR] [--threads N] [--max-minutes M] [--steps N] ...

CORPUS is what `hypencoder add` reads: a BEIR corpus.jsonl ({"_id", "title", "text"}), our own
JSONL ({"id", "text", "metadata"?}), either shape on any line, or a folder holding corpus.jsonl.
OUT_DIR becomes a model folder the daemon loads (`hypencoderd --model OUT_DIR`): the wrapper runs
this script, assembles its head with the backbone (assemble_default.py) and checks that
`hypencoder-model info` loads the result. Every option below but --head is this script's.
This script writes the adapted head (--out) after:

 1. Reading the corpus (a bad line is named) and caching it through the frozen backbone with
    cache_collection.py into <--work-root>/<corpus sha256 prefix>/ (the wrapper's .build/adapt,
    or $HYPENCODER_ADAPT_WORK): document vectors, the titles, and --sentences seeded sentences
    per document taken after its opening. A second run on the same file reuses the cache.
 2. Pseudo-queries, because a corpus without queries still says what its documents are about:
    a title → its document, a sentence → its document. Titles that are the document's text or
    its opening (all of Cranfield's) are dropped as too easy to teach anything, and so are titles
    shared by several documents, which name none of them.
 3. Holding out a seeded 10 % of the documents that have pseudo-queries: their pseudo-queries
    (at most DEV_QUERY_LIMIT) are the dev set, each re-ranking the bi-encoder's top 100 of the
    whole corpus (nDCG@10), and these documents are never a positive or a negative in training.
 4. Training from the general head's own tensors (so step 0 is the general head) with softmax
    cross-entropy over the batch's positives plus HARD_NEGATIVES per example from the
    bi-encoder's top MINED_DEPTH training documents; the best dev state is kept, step 0 included,
    but a trained state only when its gain over the general head exceeds --keep-standard-errors
    (default 2) standard errors of the per-query differences, so on a corpus where nothing
    clearly helps the result is the general head.

Time: --max-minutes bounds the whole run from --started-at (the wrapper's start). Embedding
10,000 documents of 256 tokens takes about a quarter of an hour on two cores; training gets the
rest but a reserve for writing and checking the model, its learning-rate schedule fitted to the
steps that time allows. The bound is promised to 10,000 documents; more are adapted with a warning.

To measure an adaptation on a collection that has qrels (Tools/eval/evaluate.py):
    Scripts/adapt-model Data/cranfield/corpus.jsonl .build/models/adapted-cranfield
    .venv/bin/python Tools/eval/evaluate.py --model .build/models/adapted-cranfield \\
        --swift-binary .build/release/hypencoder-model --systems hypencoder-swift,hypencoder-torch \\
        --collections cranfield --out .build/eval/adapted-cranfield
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass

import numpy as np
import torch
from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from export_head import write_json, write_model_files  # noqa: E402
from hyperhead import HyperHead  # noqa: E402
from ranking import RerankCheck, example_batches, mean_states, mine, normalised  # noqa: E402

D = 384
VECTOR_DIMENSIONS = [D, 2 * D, 1]
LAYER0_EXPORT_SCALE = 256.0      # train_general.py's bi_encoder_start(export_scale=...)
# The tensors HyperHead.state_dict_official multiplies by layer0_export_scale. Loading divides
# them again and load_general_head checks the round trip, which catches a change there.
LAYER0_TENSORS = ("weight_hyper_projection.0.", "bias_hyper_projection.0.", "hyper_base_matrices.0",
                  "hyper_base_vectors.0")
SOURCES = ("titles", "sentences")
HARD_NEGATIVES = 3
MINED_DEPTH = 30
RERANK_DEPTH = 100
DEV_FRACTION = 0.10
DEV_QUERY_LIMIT = 1000           # one dev check then costs seconds, not minutes
MIN_DOCUMENTS = 10
PROMISED_DOCUMENTS = 10_000
FINISH_RESERVE_SECONDS = 60      # writing, assembling and loading the model after training
PLANNING_STEPS = 10              # steps timed before the schedule is fitted to the time left
CACHE_VERSION = 1                # bump when the cache recipe changes


class CorpusError(Exception):
    """A corpus the adaptation cannot read; the message names the file and line."""


@dataclass
class Document:
    id: str
    title: str
    body: str


def read_corpus(path: str) -> tuple[list[Document], int]:
    """The documents with text, in file order, and how many lines had none (BEIR rows without
    title and text, documents given only as vectors). Reads what `hypencoder add` reads
    (Clients/hypencoder/Support/DocumentSource.swift): `id`, or BEIR's `_id`, a string or an
    integer; optional string `title` and `text`; other members ignored; blank lines skipped."""
    if not os.path.isfile(path):
        raise CorpusError(f"no corpus file at {path}")
    documents, without_text, first_line = [], 0, {}
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            where = f"{path}, line {number}"
            try:
                row = json.loads(raw)
            except UnicodeDecodeError as error:
                raise CorpusError(f"{where}: not UTF-8 ({error.reason})") from None
            except json.JSONDecodeError as error:
                raise CorpusError(f"{where}: not valid JSON ({error.msg} at column {error.colno})") from None
            if not isinstance(row, dict):
                raise CorpusError(f"{where}: expected a JSON object, got {type(row).__name__}")
            identifier = row["id"] if row.get("id") is not None else row.get("_id")
            if isinstance(identifier, bool) or not isinstance(identifier, (str, int)) or identifier == "":
                raise CorpusError(f'{where}: needs "id" (or BEIR "_id"), a non-empty string or an integer')
            title, text = ("" if row.get(key) is None else row[key] for key in ("title", "text"))
            for key, value in (("title", title), ("text", text)):
                if not isinstance(value, str):
                    raise CorpusError(f'{where}: "{key}" must be a string, got {type(value).__name__}')
            if not (title + text).strip():
                without_text += 1
                continue
            identifier = str(identifier)
            if identifier in first_line:
                raise CorpusError(f'{where}: id "{identifier}" again (first on line {first_line[identifier]})')
            first_line[identifier] = number
            documents.append(Document(identifier, title.strip(), text))
    return documents, without_text


def file_sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def cached_corpus(documents: list[Document], corpus_sha256: str, args, log) -> str:
    """The cache_collection.py folder for this corpus: made unless a complete one with the same
    inputs exists (its stamp, written last, names them)."""
    work = os.path.join(args.work_root, corpus_sha256[:16])
    cache = os.path.join(work, f"cache-{args.sentences}-sentences")
    stamp_path = os.path.join(cache, "adapt-stamp.json")
    stamp = {"corpus_sha256": corpus_sha256, "sentences": args.sentences, "version": CACHE_VERSION,
             "backbone_sha256": file_sha256(os.path.join(args.backbone, "model.safetensors"))}
    if os.path.exists(stamp_path):
        with open(stamp_path, encoding="utf-8") as f:
            if json.load(f) == stamp:
                log(f"stage 1/3: reusing the cached corpus in {cache}")
                return cache
        os.remove(stamp_path)
    collection = os.path.join(work, "collection")
    os.makedirs(collection, exist_ok=True)
    with open(os.path.join(collection, "corpus.jsonl"), "w", encoding="utf-8") as f:
        for document in documents:
            f.write(json.dumps({"_id": document.id, "title": document.title, "text": document.body}) + "\n")
    log(f"stage 1/3: caching {len(documents)} documents through the backbone into {cache}")
    command = [sys.executable, os.path.join(HERE, "cache_collection.py"), "--backbone", args.backbone,
               "--collection", collection, "--out", cache, "--no-queries", "--later-sentences",
               "--sentences", str(args.sentences), "--threads", str(args.threads)]
    if subprocess.run(command, stdout=sys.stderr).returncode != 0:
        raise SystemExit("adapt-model: caching the corpus failed (cache_collection.py, messages above)")
    write_json(stamp_path, stamp)
    return cache


def load_general_head(directory: str) -> HyperHead:
    """The general head's tensors in a trainable HyperHead: the inverse of state_dict_official
    (layer 0's generated weight and bias divided by the export scale), checked by a round trip."""
    with open(os.path.join(directory, "config.json"), encoding="utf-8") as f:
        converter = json.load(f)["query_encoder_kwargs"]["converter_kwargs"]
    if (converter.get("vector_dimensions") != VECTOR_DIMENSIONS or not converter.get("linear_last_weight")
            or converter.get("do_residual_on_last", True)):
        raise SystemExit(f"adapt-model: {directory} is not a general head (a {VECTOR_DIMENSIONS} q-net with "
                         f"linear_last_weight and no residual on the last layer); its converter: {converter}")
    tensors = {name: value.to(torch.float32) for name, value in
               load_file(os.path.join(directory, "head.safetensors")).items()}
    head = HyperHead(D, VECTOR_DIMENSIONS, 0.0, seed=0, linear_last_weight=True, residual_on_last=False)
    head.layer0_export_scale = LAYER0_EXPORT_SCALE
    state = {}
    for name, value in tensors.items():
        key = name.removeprefix("query_encoder.")
        state[key] = value / LAYER0_EXPORT_SCALE if key.startswith(LAYER0_TENSORS) else value
    try:
        head.load_state_dict(state)
    except RuntimeError as error:
        raise SystemExit(f"adapt-model: {directory}/head.safetensors does not fit the general head: {error}")
    exported = head.state_dict_official()
    if exported.keys() != tensors.keys() or any(not torch.equal(exported[k], tensors[k]) for k in tensors):
        raise SystemExit(f"adapt-model: {directory}/head.safetensors does not survive loading and exporting unchanged")
    return head


def usable_titles(documents: list[Document]) -> list[int]:
    """Rows whose title can be a pseudo-query: not empty, not the document's text or its opening,
    and not shared with another document."""
    def words(text: str) -> str:
        return " ".join(text.lower().split())
    counts = Counter(words(d.title) for d in documents)
    rows = []
    for row, document in enumerate(documents):
        title, body = words(document.title), words(document.body)
        if title and counts[title] == 1 and body and not (body + " ").startswith(title + " "):
            rows.append(row)
    return rows


class PseudoQueries:
    """The cached corpus as examples (source, row, document): row `row` of the cached `source`
    token states is a query whose one relevant document is corpus row `document`."""

    def __init__(self, cache: str, documents: list[Document], seed: int):
        with open(os.path.join(cache, "meta.json"), encoding="utf-8") as f:
            if json.load(f)["doc_ids"] != [d.id for d in documents]:
                raise SystemExit(f"adapt-model: {cache} holds other documents; delete it and run again")
        self.docs = np.load(os.path.join(cache, "doc_vectors.npy"))
        self.doc_unit = normalised(self.docs)
        self.states = {s: np.load(os.path.join(cache, f"{s}.npy"), mmap_mode="r") for s in SOURCES}
        self.lengths = {s: np.load(os.path.join(cache, f"{s}_len.npy")).astype(np.int64) for s in SOURCES}
        sentence_docs = np.load(os.path.join(cache, "sentence_docs.npy"))
        examples = [("titles", row, row) for row in usable_titles(documents)]
        examples += [("sentences", row, int(doc)) for row, doc in enumerate(sentence_docs)]
        self.title_count = len(examples) - len(sentence_docs)
        rng = np.random.default_rng(seed)
        with_queries = np.array(sorted({doc for *_, doc in examples}), dtype=np.int64)
        held = rng.choice(with_queries, size=max(1, round(DEV_FRACTION * len(with_queries))), replace=False) \
            if len(with_queries) else with_queries
        self.is_dev = np.zeros(len(self.docs), dtype=bool)
        self.is_dev[held] = True
        self.train_pool = np.flatnonzero(~self.is_dev)
        self.train = [e for e in examples if not self.is_dev[e[2]]]
        self.dev = [e for e in examples if self.is_dev[e[2]]]
        if len(self.dev) > DEV_QUERY_LIMIT:
            self.dev = [self.dev[k] for k in sorted(rng.choice(len(self.dev), DEV_QUERY_LIMIT, replace=False))]
        self.dev_documents = int(self.is_dev.sum())
        self.negatives = np.full((len(self.train), MINED_DEPTH), -1, dtype=np.int64)
        if self.train:
            self.negatives = mine(self.query_vectors(self.train), self.doc_unit, [{doc} for *_, doc in self.train],
                                  MINED_DEPTH, pool=self.train_pool)

    def token_states(self, examples: list[tuple[str, int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """(Q, L, D) float16 token states, L the longest query, and the (Q,) lengths."""
        lengths = np.array([self.lengths[s][r] for s, r, _ in examples], dtype=np.int64)
        longest = int(lengths.max()) if len(lengths) else 1
        states = np.zeros((len(examples), longest, D), dtype=np.float16)
        for k, (source, row, _) in enumerate(examples):
            states[k] = self.states[source][row, :longest]
        return states, lengths

    def query_vectors(self, examples: list[tuple[str, int, int]], chunk: int = 4096) -> np.ndarray:
        """(Q, D) masked means, a chunk at a time (all states as float32 at once take gigabytes)."""
        return np.concatenate([mean_states(*self.token_states(examples[start:start + chunk]))
                               for start in range(0, len(examples), chunk)])


def paired_gain(values: np.ndarray, start: np.ndarray, standard_errors: float) -> tuple[float, float]:
    """The mean per-query gain of `values` over `start` (the same queries), and the margin it must
    exceed: `standard_errors` standard errors of that mean (0 for a single query)."""
    difference = values - start
    spread = float(difference.std(ddof=1)) / math.sqrt(len(values)) if len(values) > 1 else 0.0
    return float(difference.mean()), standard_errors * spread


class DevSet:
    """Held-out pseudo-queries, each re-ranking the bi-encoder's top RERANK_DEPTH of the corpus;
    remembers every check and the state to keep.

    A trained state is kept only when its dev nDCG@10 beats the general head's (step 0) by more
    than `standard_errors` standard errors of the per-query difference, the best such state
    (the earliest of equal ones); otherwise the result is the general head. Pseudo-queries are
    not the user's queries: measured on CISI and SciFact, dev gains of +0.001 and +0.0003 came
    with real-query losses, so a gain the dev set cannot tell from noise is not worth shipping."""

    def __init__(self, data: PseudoQueries, standard_errors: float):
        self.standard_errors = standard_errors
        states, lengths = data.token_states(data.dev)
        self.rerank = RerankCheck(states, lengths, [{doc: 1} for *_, doc in data.dev], data.docs, data.doc_unit,
                                  RERANK_DEPTH)
        self.bi_encoder = self.rerank.bi_encoder
        self.history: list[dict] = []
        self.start: np.ndarray | None = None      # step 0's per-query values
        self.best_value, self.best_step, self.best_state = -1.0, 0, None
        self.seconds = 0.0       # what the last check took

    def check(self, head: HyperHead, step: int, log, loss: float | None = None) -> None:
        clock = time.time()
        values = self.rerank.per_query(head)
        self.seconds = time.time() - clock
        value = float(values.mean())
        if self.start is None:
            self.start = values
        gain, margin = paired_gain(values, self.start, self.standard_errors)
        clears = step == 0 or gain > margin
        self.history.append({"step": step, "dev": round(value, 4), "gain": round(gain, 4),
                             "margin": round(margin, 4), **({"loss": round(loss, 4)} if loss else {})})
        better = clears and value > self.best_value
        if better:
            self.best_value, self.best_step = value, step
            self.best_state = {k: v.clone() for k, v in head.state_dict().items()}
        note = f" (gain {gain:+.4f}, {self.standard_errors:g} s.e. {margin:.4f})" if step else ""
        log(f"step {step} dev {value:.4f}{note}" + (" (best so far)" if better and step else ""))


def batch_loss(head: HyperHead, data: PseudoQueries, picked: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
    """Softmax cross-entropy of each example's scores over all the batch's documents: every
    example's positive plus HARD_NEGATIVES of its mined ones. Where a query's own document stands
    in another column (another example's negative or positive) that column is masked for it."""
    examples = [data.train[k] for k in picked]
    columns = [doc for *_, doc in examples]
    for k in picked:
        pool = data.negatives[k][data.negatives[k] >= 0]
        columns += rng.choice(pool, size=min(HARD_NEGATIVES, len(pool)), replace=False).tolist()
    columns_t = torch.tensor(columns)
    own = columns_t[:len(examples)]
    blocked = columns_t[None, :] == own[:, None]
    blocked[torch.arange(len(examples)), torch.arange(len(examples))] = False
    states, lengths = data.token_states(examples)
    H = torch.from_numpy(states.astype(np.float32))
    mask = (torch.arange(H.shape[1])[None, :] < torch.from_numpy(lengths)[:, None]).long()
    scores = head.contrastive_logits(*head.qnets(H, mask), torch.from_numpy(data.docs)[columns_t])
    return torch.nn.functional.cross_entropy(scores.masked_fill(blocked, float("-inf")), torch.arange(len(examples)))


def train(head: HyperHead, data: PseudoQueries, args, deadline: float, log) -> dict:
    """Trains `head` in place and leaves it at its best dev state; returns what happened.
    After PLANNING_STEPS steps the schedule's length is fitted to the time left before `deadline`."""
    if not data.train or not data.dev:
        log("no pseudo-queries to train on (no usable titles, no sentences after a document's opening): "
            "keeping the general head")
        return {"history": [], "kept_step": 0, "steps_run": 0}
    dev = DevSet(data, args.keep_standard_errors)
    log(f"stage 3/3: training; dev set {len(data.dev)} pseudo-queries of {data.dev_documents} held-out "
        f"documents, bi-encoder {dev.bi_encoder:.4f}; step 0 is the general head")
    dev.check(head, 0, log)
    plan = {"steps": args.steps}

    def learning_rate_factor(step: int) -> float:
        warmup = max(1, plan["steps"] // 20)
        return min(1.0, (step + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(step, plan["steps"]) / plan["steps"]))

    # SGD on what --learn leaves trainable, as train_general.py does and for the same reason.
    optimizer = torch.optim.SGD(head.learnable(args.learn), lr=args.lr, momentum=0.9)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, learning_rate_factor)
    rng = np.random.default_rng(args.seed)
    steps_run, losses, step_seconds, started = 0, [], 0.0, time.time()
    for picked in example_batches(len(data.train), args.batch, rng):
        if steps_run == plan["steps"] or time.time() + step_seconds + dev.seconds >= deadline:
            break
        loss = batch_loss(head, data, picked, rng)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(head.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        steps_run += 1
        step_seconds = (time.time() - started) / steps_run
        if steps_run == PLANNING_STEPS:
            affordable = PLANNING_STEPS + int((deadline - time.time()) / (step_seconds + dev.seconds / args.eval_every))
            if affordable < plan["steps"]:
                plan["steps"] = max(PLANNING_STEPS, affordable)
                log(f"time allows {plan['steps']} of --steps {args.steps} ({step_seconds:.2f} s a step)")
        if steps_run % 10 == 0:
            log(f"step {steps_run}/{plan['steps']} loss {np.mean(losses[-10:]):.4f} ({step_seconds:.2f} s a step)")
        if steps_run % args.eval_every == 0 or steps_run == plan["steps"]:
            dev.check(head, steps_run, log, float(np.mean(losses[-10:])))
    if steps_run < plan["steps"]:
        log(f"stopped at step {steps_run} of {plan['steps']}: the --max-minutes budget is spent")
    if dev.history[-1]["step"] != steps_run:
        dev.check(head, steps_run, log)
    head.load_state_dict(dev.best_state)
    if dev.best_step == 0:
        log(f"no trained state beat the general head by more than {dev.standard_errors:g} standard errors "
            "of the dev set's per-query gain: keeping the general head")
    log(f"kept step {dev.best_step} (dev {dev.best_value:.4f}; general head {dev.history[0]['dev']:.4f}, "
        f"bi-encoder {dev.bi_encoder:.4f})")
    return {"bi_encoder_dev": round(dev.bi_encoder, 4), "history": dev.history, "kept_step": dev.best_step,
            "steps_run": steps_run, "planned_steps": plan["steps"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True, help="corpus JSONL (BEIR or ours) or a folder with corpus.jsonl")
    parser.add_argument("--head", required=True, help="the general head's folder (head.safetensors, config.json)")
    parser.add_argument("--backbone", required=True)
    parser.add_argument("--out", required=True, help="where to write the adapted head's files")
    parser.add_argument("--work-root", required=True, help="the corpus cache goes in <work-root>/<sha256 prefix>/")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-minutes", type=float, default=30.0, help="for the whole run, from --started-at")
    parser.add_argument("--started-at", type=float, help="Unix time the run began (default: now)")
    parser.add_argument("--steps", type=int, default=1000, help="at most; fewer when time runs short")
    parser.add_argument("--sentences", type=int, default=2, help="pseudo-query sentences per document")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-4, help="SGD (momentum 0.9) on gradients clipped to norm 1")
    parser.add_argument("--learn", choices=("pooling", "last", "all"), default="pooling",
                        help="what trains (HyperHead.learnable): the last weight's token pooling, its generator, or all")
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--keep-standard-errors", type=float, default=2.0,
                        help="keep a trained state only if its dev gain over the general head exceeds this many "
                             "standard errors of the per-query gains (0: the best dev state, however small its gain)")
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    started_at = args.started_at or time.time()
    deadline = started_at + 60 * args.max_minutes - FINISH_RESERVE_SECONDS
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    def log(message: str) -> None:
        print(f"adapt-model: [{time.time() - started_at:6.1f} s] {message}", file=sys.stderr, flush=True)

    path = os.path.join(args.corpus, "corpus.jsonl") if os.path.isdir(args.corpus) else args.corpus
    try:
        documents, without_text = read_corpus(path)
    except CorpusError as error:
        raise SystemExit(f"adapt-model: {error}")
    if without_text:
        log(f"skipped {without_text} line(s) without text (nothing to encode)")
    if len(documents) < MIN_DOCUMENTS:
        raise SystemExit(f"adapt-model: {path} has {len(documents)} documents with text; adapting needs at least "
                         f"{MIN_DOCUMENTS}" + (" (the corpus is empty)" if not documents and not without_text else ""))
    if len(documents) > PROMISED_DOCUMENTS:
        log(f"warning: {len(documents)} documents; the {args.max_minutes:g}-minute bound is only promised up to "
            f"{PROMISED_DOCUMENTS} (embedding them alone may take longer; training then keeps the general head)")
    head = load_general_head(args.head)
    corpus_sha256 = file_sha256(path)
    cache = cached_corpus(documents, corpus_sha256, args, log)

    log("stage 2/3: pseudo-queries and hard negatives")
    data = PseudoQueries(cache, documents, args.seed)
    log(f"{len(data.train) + len(data.dev)} pseudo-queries ({data.title_count} titles, the rest sentences); "
        f"{len(data.train)} for training, {len(data.dev)} held out with {data.dev_documents} documents")
    result = train(head, data, args, deadline, log)
    write_model_files(head, VECTOR_DIMENSIONS, args.out, {
        "recipe": "Tools/train/adapt.py", "adapted_from": os.path.abspath(args.head),
        "general_head_sha256": file_sha256(os.path.join(args.head, "head.safetensors")),
        "corpus": os.path.abspath(path), "corpus_sha256": corpus_sha256, "documents": len(documents),
        "seed": args.seed, "steps": args.steps, "batch": args.batch, "lr": args.lr, "learn": args.learn,
        "sentences_per_document": args.sentences, "training_examples": len(data.train),
        "dev_queries": len(data.dev), **result, "seconds": round(time.time() - started_at)}, dtype=torch.float32)
    log(f"wrote the adapted head to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
