#!/usr/bin/env python3
"""Assembles the loadable default model from the MiniLM backbone and our committed head.

    assemble_default.py --backbone .build/models/all-MiniLM-L6-v2 --head Models/hypencoder-minilm-general \
                        --out .build/models/hypencoder-default

Writes into --out: model.safetensors (the backbone's BertModel tensors renamed to
`query_encoder.transformer.*`, without the unused pooler and the `position_ids` buffer, plus the
head's `query_encoder.*` tensors as float32 (the science head's float16 ones upcast exactly), so every
tensor is float32),
config.json and bert_config.json copied from the head directory, and vocab.txt,
tokenizer.json, tokenizer_config.json copied from the backbone. Called by Scripts/default-model,
which checks the inputs' sha256 first; files are written beside the target and renamed, so an
interrupted run never leaves a half-written model.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys

import numpy as np
from safetensors.numpy import load_file, save_file

BACKBONE_PREFIX = "query_encoder.transformer."
SKIPPED = ("pooler.", "embeddings.position_ids")
COPIED_FROM_HEAD = ("config.json", "bert_config.json")
COPIED_FROM_BACKBONE = ("vocab.txt", "tokenizer.json", "tokenizer_config.json")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backbone", required=True)
    parser.add_argument("--head", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    tensors: dict[str, np.ndarray] = {}
    for name, value in load_file(os.path.join(args.backbone, "model.safetensors")).items():
        if name.startswith("bert."):           # some exports prefix BertModel names; ours does not
            name = name[len("bert."):]
        if not name.startswith(SKIPPED):
            tensors[BACKBONE_PREFIX + name] = value.astype(np.float32)
    for name, value in load_file(os.path.join(args.head, "head.safetensors")).items():
        if not name.startswith("query_encoder.") or name.startswith(BACKBONE_PREFIX):
            print(f"assemble_default: head.safetensors: unexpected tensor '{name}'", file=sys.stderr)
            return 1
        tensors[name] = value.astype(np.float32)

    os.makedirs(args.out, exist_ok=True)
    temporary = os.path.join(args.out, "model.safetensors.tmp")
    save_file(tensors, temporary, metadata={"format": "pt"})
    os.chmod(temporary, 0o644)
    os.replace(temporary, os.path.join(args.out, "model.safetensors"))
    for source, names in ((args.head, COPIED_FROM_HEAD), (args.backbone, COPIED_FROM_BACKBONE)):
        for name in names:
            shutil.copyfile(os.path.join(source, name), os.path.join(args.out, name + ".tmp"))
            os.replace(os.path.join(args.out, name + ".tmp"), os.path.join(args.out, name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
