#!/usr/bin/env python3
"""Checks hypencoder_ref.py against a second, deliberately naive implementation.

The reference is what the Swift engine is judged by, so it needs its own check. This file
recomputes the hyperhead and the q-net for each query with plain Python loops in float64,
reading the hyperhead tensors straight from the weight file (not through hypencoder_ref's
loader), and compares the scores with hypencoder_ref.py and with the committed fixture JSON.
Only the BERT states come from hypencoder_ref (transformers.BertModel); pooling is redone here.

    python Tools/reference/check_reference.py --model .build/fixtures/models/small6-safetensors \
        --fixture Tests/Fixtures/reference/small6-safetensors.json
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hypencoder_ref import HypencoderReference  # noqa: E402

TOLERANCE = 1e-4  # float64 loops vs float32 torch: |a-b| <= tol * max(1, |a|)


def read_hyperhead(model_dir: str) -> dict[str, list]:
    """query_encoder.* hyperhead tensors as nested Python lists of floats."""
    path = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(path):
        from safetensors import safe_open
        with safe_open(path, framework="pt") as f:
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    else:
        tensors = torch.load(os.path.join(model_dir, "pytorch_model.bin"), weights_only=True)
    return {k[len("query_encoder."):]: t.double().tolist() for k, t in tensors.items()
            if k.startswith("query_encoder.") and not k.startswith("query_encoder.transformer.")}


def matvec(matrix: list, vector: list) -> list:
    """matrix (rows × cols) times vector (cols)."""
    return [sum(m * v for m, v in zip(row, vector)) for row in matrix]


def linear(weight: list, bias: list, vector: list) -> list:
    return [a + b for a, b in zip(matvec(weight, vector), bias)]


def naive_layer_norm(vector: list) -> list:
    mean = sum(vector) / len(vector)
    var = sum((v - mean) ** 2 for v in vector) / len(vector)
    return [(v - mean) / math.sqrt(var + 1e-5) for v in vector]


def relu(vector: list) -> list:
    return [max(0.0, v) for v in vector]


def generate(head: dict, query_rows: list, H: list, mask: list, j: int, scale: float,
             projection: str, base: list) -> list:
    """One generated matrix: each row attends over the unpadded tokens of H."""
    keys = [linear(head[f"key_projections.{j}.weight"], head[f"key_projections.{j}.bias"], h) for h in H]
    values = [linear(head[f"value_projections.{j}.weight"], head[f"value_projections.{j}.bias"], h) for h in H]
    out = []
    for o, q in enumerate(query_rows):
        logits = [sum(a * b for a, b in zip(q, k)) / scale for k in keys]
        live = [t for t in range(len(H)) if mask[t]]
        top = max(logits[t] for t in live)
        weights = {t: math.exp(logits[t] - top) for t in live}
        total = sum(weights.values())
        context = [sum(weights[t] / total * values[t][c] for t in live) for c in range(len(values[0]))]
        row = linear(head[f"{projection}.weight"], head[f"{projection}.bias"], naive_layer_norm(relu(context)))
        out.append([a + b for a, b in zip(row, base[o])])
    return out


def naive_scores(head: dict, dims: list, residual_on_last: bool, H: list, mask: list, docs: list) -> list:
    n = len(dims) - 2
    weights = [generate(head, head[f"weight_query_embeddings.{i}"][0], H, mask, i,
                        math.sqrt(dims[i + 1]) if i < n else 1.0,
                        f"weight_hyper_projection.{i}", head[f"hyper_base_matrices.{i}"][0])
               for i in range(n + 1)]
    biases = [generate(head, head[f"bias_query_embeddings.{i}"][0], H, mask, n + 1 + i, 1.0,
                       f"bias_hyper_projection.{i}", head[f"hyper_base_vectors.{i}"])[0]
              for i in range(n)]
    scores = []
    for x in docs:
        for j in range(n):
            y = naive_layer_norm(relu(linear(weights[j], biases[j], x)))
            x = [a + b for a, b in zip(y, x)] if (j < n - 1 or residual_on_last) else y
        scores.append(matvec(weights[n], x)[0])
    return scores


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--fixture", help="committed JSON to compare with as well")
    args = parser.parse_args(argv)
    torch.set_grad_enabled(False)
    ref = HypencoderReference.load(args.model)
    fixture = json.load(open(args.fixture)) if args.fixture else None
    queries = fixture["queries"] if fixture else ["how many states are there in india"]
    documents = fixture["documents"] if fixture else ["India has 28 states and 8 union territories."]
    doc_limit = fixture["settings"]["document_max_length"] if fixture else 512
    with open(os.path.join(args.model, "config.json")) as f:
        kwargs = json.load(f)["query_encoder_kwargs"]["converter_kwargs"]
    head = read_hyperhead(args.model)

    docs = []
    for ids in ref.tokenize(documents, doc_limit):
        states, _ = ref.encode_ids([ids])
        rows = states[0].double().tolist()
        if ref.settings.pooling_type == "cls":
            docs.append(rows[0])
        else:
            docs.append([sum(r[c] for r in rows) / len(rows) for c in range(len(rows[0]))])
    expected = ref.score_texts(queries, documents, 64, doc_limit)
    worst = 0.0
    for q, ids in enumerate(ref.tokenize(queries, 64)):
        states, mask = ref.encode_ids([ids])
        naive = naive_scores(head, kwargs["vector_dimensions"], kwargs["do_residual_on_last"],
                             states[0].double().tolist(), mask[0].tolist(), docs)
        for d, value in enumerate(naive):
            others = [float(expected[q, d])] + ([fixture["scores"][q][d]] if fixture else [])
            for other in others:
                worst = max(worst, abs(value - other) / max(1.0, abs(value)))
    status = "ok" if worst <= TOLERANCE else "MISMATCH"
    print(f"check_reference: {args.model}: naive float64 loops vs reference: worst relative gap "
          f"{worst:.2e} ({status}, tolerance {TOLERANCE:g})")
    return 0 if worst <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
