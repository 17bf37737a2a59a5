"""Random-weight Hypencoder checkpoints in the official layout (DESIGN.md §2).

The weights are random but shaped like trained ones (BERT-like initialisation; a hyperhead
scaled so each query produces a clearly different q-net), and they are written exactly as
`save_pretrained` writes a shared-encoder model, so the Swift loaders meet the same files a
user with a real checkpoint has. See Tests/Fixtures/README.md for the list of models.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np
import torch
from safetensors.torch import save_file

from hypencoder_ref import BERT_BASE_UNCASED
from splitmix import normal, stream_seed

SMALL_BERT = {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 128,
              "max_position_embeddings": 512}
COPIED_TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json")
DTYPE_NAMES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}


@dataclass
class ModelSpec:
    """One model; it is written twice, as `<name>-bin` and `<name>-safetensors`."""
    name: str
    seed: int
    bert_overrides: dict | None          # None: no bert_config.json, bert-base-uncased applies
    hidden_layers: int                   # n
    pooling_type: str
    do_residual_on_last: bool
    safetensors_dtype: torch.dtype       # the .bin always holds float32 (of the same values)
    document_max_length: int
    description: str
    query_max_length: int = 64
    hidden_widths: list[int] | None = None     # None: every hidden layer as wide as the encoder
    linear_last_weight: bool = False           # our config extension (DESIGN.md §2, "A linear last weight")

    def bert_values(self) -> dict:
        values = dict(BERT_BASE_UNCASED)
        values.update(self.bert_overrides or {})
        return values

    @property
    def hidden(self) -> int:
        return self.bert_values()["hidden_size"]

    @property
    def vector_dimensions(self) -> list[int]:
        if self.hidden_widths is not None:
            assert len(self.hidden_widths) == self.hidden_layers
            return [self.hidden] + list(self.hidden_widths) + [1]
        return [self.hidden] * (self.hidden_layers + 1) + [1]


MODEL_SPECS = [
    ModelSpec("base6", 6001, None, 6, "cls", False, torch.float32, 512,
              "bert-base-sized backbone without bert_config.json (bert-base-uncased defaults), "
              "6 hidden q-net layers of 768, cls pooling, float32"),
    ModelSpec("small2", 2001, dict(SMALL_BERT), 2, "cls", False, torch.float32, 128,
              "hidden 64, 2 BERT layers, 4 heads; 2 hidden q-net layers; cls pooling; float32"),
    ModelSpec("small4", 4001, dict(SMALL_BERT), 4, "mean", False, torch.float16, 128,
              "hidden 64, 2 BERT layers, 4 heads; 4 hidden q-net layers; masked-mean pooling; "
              "safetensors stored as F16 (bin holds the same values as float32)"),
    ModelSpec("small6", 6002, dict(SMALL_BERT, num_hidden_layers=3, num_attention_heads=8), 6, "cls", True,
              torch.bfloat16, 128,
              "hidden 64, 3 BERT layers, 8 heads; 6 hidden q-net layers; cls pooling; do_residual_on_last; "
              "safetensors stored as BF16 (bin holds the same values as float32)"),
    ModelSpec("wide1", 1001, dict(SMALL_BERT), 1, "mean", False, torch.float32, 128,
              "hidden 64, 2 BERT layers, 4 heads; one hidden q-net layer of 128 (wider than the encoder, "
              "no residual); masked-mean pooling; linear_last_weight (our extension); float32",
              hidden_widths=[128], linear_last_weight=True),
]


def model_dir_names(spec: ModelSpec) -> list[str]:
    return [f"{spec.name}-bin", f"{spec.name}-safetensors"]


def find_spec(dir_name: str) -> ModelSpec:
    for spec in MODEL_SPECS:
        if dir_name in model_dir_names(spec):
            return spec
    raise KeyError(f"no model spec produces '{dir_name}'")


# --- tensors --------------------------------------------------------------------------------

def bert_tensors(spec: ModelSpec) -> dict[str, np.ndarray]:
    """BertModel state dict (with pooler), BERT-style init: N(0, 0.02), LayerNorm ≈ (1, 0)."""
    c = spec.bert_values()
    h, f = c["hidden_size"], c["intermediate_size"]

    def gen(name, shape, std, mean=0.0):
        return normal(stream_seed(spec.seed, name), shape, std, mean)

    out = {}
    def layer_norm(prefix):
        out[prefix + ".weight"] = gen(prefix + ".weight", (h,), 0.02, 1.0)
        out[prefix + ".bias"] = gen(prefix + ".bias", (h,), 0.02)

    def linear(prefix, n_out, n_in, std=0.02):
        out[prefix + ".weight"] = gen(prefix + ".weight", (n_out, n_in), std)
        out[prefix + ".bias"] = gen(prefix + ".bias", (n_out,), 0.02)

    out["embeddings.word_embeddings.weight"] = gen("word", (c["vocab_size"], h), 0.02)
    out["embeddings.position_embeddings.weight"] = gen("position", (c["max_position_embeddings"], h), 0.02)
    out["embeddings.token_type_embeddings.weight"] = gen("token_type", (c["type_vocab_size"], h), 0.02)
    layer_norm("embeddings.LayerNorm")
    # Attention and FFN weights a little above 0.02 so that random layers mix tokens enough for
    # [CLS] vectors of different documents to differ clearly (with 0.02, [CLS] barely moves).
    mix_std = 2.0 / math.sqrt(h)
    for layer in range(c["num_hidden_layers"]):
        p = f"encoder.layer.{layer}."
        for part in ("query", "key"):
            linear(p + "attention.self." + part, h, h, mix_std)
        linear(p + "attention.self.value", h, h, mix_std)
        linear(p + "attention.output.dense", h, h, mix_std)
        layer_norm(p + "attention.output.LayerNorm")
        linear(p + "intermediate.dense", f, h, mix_std)
        linear(p + "output.dense", h, f, 1.0 / math.sqrt(f))
        layer_norm(p + "output.LayerNorm")
    linear("pooler.dense", h, h)
    return out


def hyperhead_tensors(spec: ModelSpec) -> dict[str, np.ndarray]:
    """Hyperhead tensors (names without the `query_encoder.` prefix), scaled so that the
    query-dependent part of each generated weight is as large as the learned base."""
    d, n = spec.hidden, spec.hidden_layers
    dims = spec.vector_dimensions

    def gen(name, shape, std):
        return normal(stream_seed(spec.seed, "hyperhead", name), shape, std)

    # Shapes as in the authors' modules (a parameter of width w: keys/values d → w, query
    # embeddings rows × w, Wp w → w); every model but wide1 has w = d everywhere.
    widths = [dims[i] for i in range(n + 1)] + [dims[i + 1] for i in range(n)]
    out = {}
    for j, w in enumerate(widths):
        for kind in ("key", "value"):
            out[f"{kind}_projections.{j}.weight"] = gen(f"{kind}.{j}.w", (w, d), 1.0 / math.sqrt(d))
            out[f"{kind}_projections.{j}.bias"] = gen(f"{kind}.{j}.b", (w,), 0.02)
    for i in range(n + 1):
        r, d_in = dims[i + 1], dims[i]
        last = i == n
        # Q·Kᵀ/scale has unit spread: scale is sqrt(r) for hidden weights, 1 for the last one.
        query_std = 1.0 / math.sqrt(d_in) if last else math.sqrt(r) / math.sqrt(d_in)
        out[f"weight_query_embeddings.{i}"] = gen(f"wq.{i}", (1, r, d_in), query_std)
        # Row norms of W_i around 1 (hidden) or a few units (last: spreads the scores).
        entry_std = (4.0 if last else 1.0) / math.sqrt(d_in)
        out[f"weight_hyper_projection.{i}.weight"] = gen(f"wp.{i}.w", (d_in, d_in), entry_std / math.sqrt(d_in))
        out[f"weight_hyper_projection.{i}.bias"] = gen(f"wp.{i}.b", (d_in,), 0.1 * entry_std)
        out[f"hyper_base_matrices.{i}"] = gen(f"wbase.{i}", (1, r, d_in), entry_std)
    for i in range(n):
        r = dims[i + 1]
        out[f"bias_query_embeddings.{i}"] = gen(f"bq.{i}", (1, 1, r), 1.0 / math.sqrt(r))
        out[f"bias_hyper_projection.{i}.weight"] = gen(f"bp.{i}.w", (r, r), 0.3 / math.sqrt(r))
        out[f"bias_hyper_projection.{i}.bias"] = gen(f"bp.{i}.b", (r,), 0.03)
        out[f"hyper_base_vectors.{i}"] = gen(f"bbase.{i}", (1, r), 0.3)
    return out


# --- files ----------------------------------------------------------------------------------

def official_config(spec: ModelSpec) -> dict:
    """config.json in the shape of the released checkpoints (keys DESIGN.md §2 relies on)."""
    config = {
        "architectures": ["HypencoderDualEncoder"],
        "model_type": "hypencoder_dual_encoder",
        "query_encoder_type": "hypencoder",
        "passage_encoder_type": "text_encoder",
        "query_encoder_kwargs": {
            "model_name_or_path": "google-bert/bert-base-uncased",
            "freeze_transformer": False,
            "converter_kwargs": {"vector_dimensions": spec.vector_dimensions, "activation_type": "relu",
                                 "do_residual_on_last": spec.do_residual_on_last},
        },
        "passage_encoder_kwargs": {"model_name_or_path": "google-bert/bert-base-uncased",
                                   "freeze_transformer": False, "pooling_type": spec.pooling_type},
        "shared_encoder": True,
        "torch_dtype": "float32",
    }
    if spec.linear_last_weight:
        config["query_encoder_kwargs"]["converter_kwargs"]["linear_last_weight"] = True
    # Token limits are our extension of the official config (the released checkpoints carry none:
    # 64/512 apply). Written only where they differ, so base6 keeps exercising the defaults.
    if spec.query_max_length != 64:
        config["query_max_length"] = spec.query_max_length
    if spec.document_max_length != 512:
        config["document_max_length"] = spec.document_max_length
    return config


def _patch_serialization_id(path: str) -> None:
    """torch.save writes a random `.data/serialization_id`; replace it with a fixed value of the
    same length (and fix the CRC in the local header and in the central directory) so the file
    is byte-for-byte reproducible. Only those few bytes are rewritten."""
    with zipfile.ZipFile(path) as archive:
        info = next((i for i in archive.infolist() if i.filename.endswith("/.data/serialization_id")), None)
        central_directory = archive.start_dir
    if info is None:
        return
    if info.compress_type != zipfile.ZIP_STORED:
        raise RuntimeError(f"{path}: serialization_id is compressed; cannot patch in place")
    fixed = b"0" * info.file_size
    crc = zlib.crc32(fixed).to_bytes(4, "little")
    with open(path, "r+b") as f:
        f.seek(info.header_offset)
        local = f.read(30)
        name_len = int.from_bytes(local[26:28], "little")
        extra_len = int.from_bytes(local[28:30], "little")
        f.seek(info.header_offset + 14)
        f.write(crc)
        f.seek(info.header_offset + 30 + name_len + extra_len)
        f.write(fixed)
        f.seek(central_directory)
        directory = f.read()
        pos = 0
        while pos + 46 <= len(directory) and directory[pos:pos + 4] == b"PK\x01\x02":
            entry_name_len = int.from_bytes(directory[pos + 28:pos + 30], "little")
            entry_extra_len = int.from_bytes(directory[pos + 30:pos + 32], "little")
            entry_comment_len = int.from_bytes(directory[pos + 32:pos + 34], "little")
            if directory[pos + 46:pos + 46 + entry_name_len] == info.filename.encode():
                f.seek(central_directory + pos + 16)
                f.write(crc)
                return
            pos += 46 + entry_name_len + entry_extra_len + entry_comment_len
    raise RuntimeError(f"{path}: central directory entry for {info.filename} not found")


def write_model(spec: ModelSpec, out_dir: str, tokenizer_dir: str) -> list[str]:
    """Writes `<name>-bin` and `<name>-safetensors` under out_dir; returns their paths."""
    bert = {k: torch.from_numpy(v) for k, v in bert_tensors(spec).items()}
    head = {k: torch.from_numpy(v) for k, v in hyperhead_tensors(spec).items()}
    dtype = spec.safetensors_dtype
    if dtype != torch.float32:  # the canonical values are the ones the narrow type can hold
        bert = {k: v.to(dtype).to(torch.float32) for k, v in bert.items()}
        head = {k: v.to(dtype).to(torch.float32) for k, v in head.items()}
    paths = []
    for dir_name in model_dir_names(spec):
        path = os.path.join(out_dir, dir_name)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        with open(os.path.join(path, "config.json"), "w") as f:
            json.dump(official_config(spec), f, indent=2)
            f.write("\n")
        if spec.bert_overrides is not None:
            values = dict(spec.bert_values(), architectures=["BertModel"], model_type="bert")
            with open(os.path.join(path, "bert_config.json"), "w") as f:
                json.dump(values, f, indent=2, sort_keys=True)
                f.write("\n")
        for name in COPIED_TOKENIZER_FILES:
            shutil.copyfile(os.path.join(tokenizer_dir, name), os.path.join(path, name))
        if dir_name.endswith("-bin"):
            state = {}
            for k, v in bert.items():
                state["query_encoder.transformer." + k] = v
            for k, v in head.items():
                state["query_encoder." + k] = v
            for k, v in bert.items():   # the same tensor objects: shared storage, as save_pretrained
                state["passage_encoder.transformer." + k] = v
            weight_path = os.path.join(path, "pytorch_model.bin")
            torch.save(state, weight_path)
            _patch_serialization_id(weight_path)
        else:
            state = {"query_encoder.transformer." + k: v.to(dtype) for k, v in bert.items()}
            state.update({"query_encoder." + k: v.to(dtype) for k, v in head.items()})
            save_file(state, os.path.join(path, "model.safetensors"), metadata={"format": "pt"})
        paths.append(path)
    return paths
