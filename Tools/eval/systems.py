"""The four retrieval systems Tools/eval/evaluate.py compares, each returning a run
{query id: {doc id: score}} of the top `depth` documents per query.

  hypencoder_torch  the trained model through the PyTorch reference (Tools/reference/hypencoder_ref.py):
                    each query encoded alone (query_max_length), its q-net applied to every document
  hypencoder_torch_bf16_rows
                    the same, on document vectors rounded to bfloat16: what a bf16 index scores on
                    the fp32 path (hypencoderd --vectors bf16 on a CPU without AVX512_BF16)
  hypencoder_torch_bf16
                    the bf16 q-net kernel's arithmetic (DESIGN.md §3.4): documents, hidden-layer
                    weights and each hidden layer's input rounded to bfloat16, products summed and
                    the fused pass run in fp32, final weight fp32 (equal to the kernel up to the
                    order of the fp32 sums, Tests/HypencoderModelTests/BFloat16QNetTests.swift)
  hypencoder_swift  the same model through the Swift engine: `hypencoder-model rank`, exact search
  minilm            the MiniLM bi-encoder: masked-mean query and document vectors of the same BERT,
                    L2-normalised, cosine similarity (what sentence-transformers does)
  bm25              bm25s 0.3.16, method "lucene", k1 = 1.2, b = 0.75, English stop words and the
                    Snowball English stemmer (PyStemmer), on title + " " + text

Document vectors depend only on the backbone, so they are computed once with the reference's
BERT and cached in --cache keyed by a hash of the BERT tensors, the token limit and the texts.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
from hypencoder_ref import HypencoderReference, layer_norm  # noqa: E402

BATCH = 32
BI_ENCODER_QUERY_TOKENS = 256     # sentence-transformers' limit for all-MiniLM-L6-v2


def document_vectors(model: HypencoderReference, texts: list[str], max_length: int, cache: str) -> torch.Tensor:
    """(N, d) masked-mean vectors, length-sorted batches through the reference BERT, cached."""
    digest = hashlib.sha256(f"{max_length}\n".encode())
    for name, tensor in sorted(model.bert.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.numpy().tobytes())
    for text in texts:
        digest.update(text.encode("utf-8") + b"\0")
    path = os.path.join(cache, f"docvectors-{digest.hexdigest()[:16]}.npy")
    if os.path.exists(path):
        return torch.from_numpy(np.load(path))
    ids = model.tokenize(texts, max_length)
    out = torch.zeros(len(texts), model.bert.config.hidden_size)
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    for start in range(0, len(order), BATCH):
        rows = order[start:start + BATCH]
        with torch.no_grad():
            out[rows] = model.document_vectors_from_ids([ids[i] for i in rows])
    os.makedirs(cache, exist_ok=True)
    np.save(path + ".tmp.npy", out.numpy())
    os.replace(path + ".tmp.npy", path)
    return out


def checked_precomputed_vectors(model: HypencoderReference, texts: list[str], max_length: int, path: str,
                                samples: int = 24) -> torch.Tensor:
    """Vectors computed elsewhere (e.g. the training cache), accepted only if `samples` seeded rows,
    recomputed here through the reference BERT one text at a time, agree to 1e-4: on 2 shared
    cores re-encoding SciFact's 5183 abstracts costs more time than the rest of the evaluation."""
    vectors = torch.from_numpy(np.load(path)).to(torch.float32)
    if tuple(vectors.shape) != (len(texts), model.bert.config.hidden_size):
        raise SystemExit(f"{path}: shape {tuple(vectors.shape)}, expected ({len(texts)}, {model.bert.config.hidden_size})")
    rows = np.random.default_rng(0).choice(len(texts), size=min(samples, len(texts)), replace=False)
    for row in rows.tolist():
        with torch.no_grad():
            fresh = model.document_vectors_from_ids(model.tokenize([texts[row]], max_length))[0]
        gap = float((fresh - vectors[row]).abs().max())
        if gap > 1e-4:
            raise SystemExit(f"{path}: row {row} differs from the reference by {gap:.2e} (> 1e-4); not using it")
    return vectors


def top(scores: torch.Tensor, doc_ids: list[str], depth: int) -> dict[str, float]:
    values, indices = torch.topk(scores, k=min(depth, len(doc_ids)))
    return {doc_ids[i]: float(v) for v, i in zip(values.tolist(), indices.tolist())}


def hypencoder_torch(model: HypencoderReference, docs: torch.Tensor, doc_ids: list[str],
                     query_ids: list[str], query_texts: list[str], query_max_length: int, depth: int):
    run = {}
    for qid, ids in zip(query_ids, model.tokenize(query_texts, query_max_length)):
        net = model.qnets_from_ids([ids])[0]
        run[qid] = top(model.apply_qnet(net, docs), doc_ids, depth)
    return run


def bf16(x: torch.Tensor) -> torch.Tensor:
    """x rounded to bfloat16 (to nearest, ties to even, as the index and the kernel round)."""
    return x.to(torch.bfloat16).to(torch.float32)


def apply_qnet_bf16_kernel(model: HypencoderReference, net, x: torch.Tensor) -> torch.Tensor:
    """Scores (D,) of documents x (D, d0, already bf16) with the bf16 kernel's arithmetic: each
    hidden layer's GEMM on bf16 inputs and weights, bias/ReLU/LayerNorm/residual in fp32 on the
    fp32 activations; the final weight in fp32."""
    n = model.settings.hidden_layers
    for j in range(n):
        y = layer_norm(torch.relu(bf16(x) @ bf16(net.weights[j]).T + net.biases[j]))
        x = y + x if (j < n - 1 or model.settings.do_residual_on_last) else y
    return (x @ net.weights[n].T)[:, 0]


def hypencoder_torch_bf16(model: HypencoderReference, docs: torch.Tensor, doc_ids: list[str],
                          query_ids: list[str], query_texts: list[str], query_max_length: int, depth: int,
                          kernel: bool):
    """hypencoder_torch on bf16-rounded documents; with `kernel`, in the bf16 kernel's arithmetic."""
    rounded = bf16(docs)
    run = {}
    for qid, ids in zip(query_ids, model.tokenize(query_texts, query_max_length)):
        net = model.qnets_from_ids([ids])[0]
        scores = apply_qnet_bf16_kernel(model, net, rounded) if kernel else model.apply_qnet(net, rounded)
        run[qid] = top(scores, doc_ids, depth)
    return run


def minilm(model: HypencoderReference, docs: torch.Tensor, doc_ids: list[str],
           query_ids: list[str], query_texts: list[str], depth: int):
    unit_docs = torch.nn.functional.normalize(docs, dim=1)
    run = {}
    for qid, ids in zip(query_ids, model.tokenize(query_texts, BI_ENCODER_QUERY_TOKENS)):
        with torch.no_grad():
            query = torch.nn.functional.normalize(model.document_vectors_from_ids([ids]), dim=1)[0]
        run[qid] = top(unit_docs @ query, doc_ids, depth)
    return run


def bm25(doc_texts: list[str], doc_ids: list[str], query_ids: list[str], query_texts: list[str], depth: int):
    import bm25s
    import Stemmer
    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
    retriever.index(bm25s.tokenize(doc_texts, stopwords="en", stemmer=stemmer, show_progress=False),
                    show_progress=False)
    tokens = bm25s.tokenize(query_texts, stopwords="en", stemmer=stemmer, show_progress=False)
    results, scores = retriever.retrieve(tokens, k=min(depth, len(doc_ids)), show_progress=False)
    return {qid: {doc_ids[int(d)]: float(s) for d, s in zip(results[q], scores[q])}
            for q, qid in enumerate(query_ids)}


def hypencoder_swift(binary: str, model_dir: str, corpus: str, queries: str, qrels: str, run_path: str,
                     depth: int):
    command = [binary, "rank", "--model", model_dir, "--corpus", corpus, "--queries", queries,
               "--qrels", qrels, "--run", run_path, "-k", str(depth)]
    subprocess.run(command, check=True)
    run: dict[str, dict[str, float]] = {}
    with open(run_path, encoding="utf-8") as f:
        for line in f:
            qid, _, doc, _, score, _ = line.split()
            run.setdefault(qid, {})[doc] = float(score)
    return run
