#!/usr/bin/env python3
"""PyTorch reference for the Hypencoder model, written from the equations in DESIGN.md §2.

The Swift engine is checked against the numbers this file produces, so it favours being
obviously faithful to the equations over being fast: every step of the hyperhead and the
q-net is spelled out with the names DESIGN.md uses (H, m, K, V, S, C, W_i, b_i, x_j).

Library use:
    model = HypencoderReference.load("path/to/model_dir")
    scores = model.score_texts(["a query"], ["a document", "another"])   # (Q, D) float32 tensor

Command line (cross-check a real checkpoint such as jfkback/hypencoder.6_layer):
    python Tools/reference/hypencoder_ref.py --model DIR --query Q [--query Q2 ...] --document D [...]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from dataclasses import dataclass

import torch
from transformers import BertConfig, BertModel, BertTokenizer

# bert-base-uncased: what the released checkpoints use, since they ship no BERT config.
BERT_BASE_UNCASED = {
    "vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
    "intermediate_size": 3072, "hidden_act": "gelu", "max_position_embeddings": 512,
    "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_dropout_prob": 0.0,
    "attention_probs_dropout_prob": 0.0, "pad_token_id": 0,
}
QUERY_MAX_LENGTH = 64       # authors' inference setting
DOCUMENT_MAX_LENGTH = 512
QNET_LN_EPS = 1e-5          # parameter-free LayerNorm in the hyperhead and the q-net
BERT_PREFIXES = ("query_encoder.transformer.", "passage_encoder.transformer.")
HYPERHEAD_PREFIX = "query_encoder."


class ModelError(Exception):
    """A model directory that cannot be used; the message names the file or key at fault."""


@dataclass
class HypencoderSettings:
    """The parts of config.json that change the arithmetic."""
    vector_dimensions: list[int]
    activation_type: str
    do_residual_on_last: bool
    pooling_type: str
    shared_encoder: bool
    # Our extension (converter_kwargs.linear_last_weight, DESIGN.md §2, "A linear last weight"): the final weight is
    # generated without ReLU and LayerNorm. Absent in the authors' configs, hence False.
    linear_last_weight: bool = False

    @property
    def hidden_layers(self) -> int:
        """n: the q-net has n hidden layers and n+1 weights."""
        return len(self.vector_dimensions) - 2

    @staticmethod
    def from_config(config: dict) -> "HypencoderSettings":
        def get(path: str):
            node = config
            for key in path.split("."):
                if not isinstance(node, dict) or key not in node:
                    raise ModelError(f"config.json: missing key '{path}'")
                node = node[key]
            return node
        dims = get("query_encoder_kwargs.converter_kwargs.vector_dimensions")
        if not (isinstance(dims, list) and len(dims) >= 3 and all(isinstance(d, int) and d > 0 for d in dims)):
            raise ModelError("config.json: 'query_encoder_kwargs.converter_kwargs.vector_dimensions' "
                             "must be a list of at least 3 positive integers")
        if dims[-1] != 1:
            raise ModelError("config.json: 'vector_dimensions' must end with 1 (the score)")
        activation = get("query_encoder_kwargs.converter_kwargs.activation_type")
        if activation != "relu":
            raise ModelError(f"config.json: activation_type '{activation}' is not supported (only 'relu')")
        pooling = get("passage_encoder_kwargs.pooling_type")
        if pooling not in ("cls", "mean"):
            raise ModelError(f"config.json: passage_encoder_kwargs.pooling_type '{pooling}' is not 'cls' or 'mean'")
        return HypencoderSettings(
            vector_dimensions=dims, activation_type=activation,
            do_residual_on_last=bool(get("query_encoder_kwargs.converter_kwargs.do_residual_on_last")),
            pooling_type=pooling, shared_encoder=bool(config.get("shared_encoder", True)),
            linear_last_weight=bool(config["query_encoder_kwargs"]["converter_kwargs"].get("linear_last_weight", False)))


def load_state_dict(model_dir: str) -> dict[str, torch.Tensor]:
    """Reads model.safetensors (preferred) or pytorch_model.bin, upcast to float32."""
    safetensors_path = os.path.join(model_dir, "model.safetensors")
    bin_path = os.path.join(model_dir, "pytorch_model.bin")
    if os.path.exists(safetensors_path):
        from safetensors.torch import load_file
        tensors = load_file(safetensors_path)
    elif os.path.exists(bin_path):
        tensors = torch.load(bin_path, map_location="cpu", weights_only=True)
    else:
        raise ModelError(f"{model_dir}: neither model.safetensors nor pytorch_model.bin exists")
    return {name: t.to(torch.float32) for name, t in tensors.items()}


def layer_norm(x: torch.Tensor) -> torch.Tensor:
    """Parameter-free LayerNorm over the last dimension (biased variance, eps 1e-5)."""
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + QNET_LN_EPS)


@dataclass
class QNet:
    """The generated network for one query: weights[i] is (r_i, d_i), biases[i] is (r_i,)."""
    weights: list[torch.Tensor]
    biases: list[torch.Tensor]


class HypencoderReference:
    """One loaded model: transformers.BertModel (eager attention, float32) plus the hyperhead
    tensors, with each step of DESIGN.md §2 as its own method so tests can probe any stage."""

    def __init__(self, settings: HypencoderSettings, bert_config: BertConfig,
                 tensors: dict[str, torch.Tensor], tokenizer: BertTokenizer):
        self.settings = settings
        self.tokenizer = tokenizer
        self.bert = BertModel(bert_config, add_pooling_layer=False).eval()
        bert_tensors = {}
        for prefix in BERT_PREFIXES:   # stored once under either prefix; the pooler is ignored
            for name, t in tensors.items():
                if name.startswith(prefix) and not name[len(prefix):].startswith("pooler."):
                    bert_tensors.setdefault(name[len(prefix):], t)
        wanted = self.bert.state_dict()
        for key, value in wanted.items():
            if key not in bert_tensors:
                if key.endswith("position_ids"):
                    continue
                raise ModelError(f"weights: missing BERT tensor '{BERT_PREFIXES[0]}{key}'")
            if tuple(bert_tensors[key].shape) != tuple(value.shape):
                raise ModelError(f"weights: '{key}' has shape {tuple(bert_tensors[key].shape)}, "
                                 f"the BERT config implies {tuple(value.shape)}")
        self.bert.load_state_dict({k: v for k, v in bert_tensors.items() if k in wanted}, strict=False)
        self.head = {name[len(HYPERHEAD_PREFIX):]: t for name, t in tensors.items()
                     if name.startswith(HYPERHEAD_PREFIX) and not name.startswith(BERT_PREFIXES[0])}
        self._check_hyperhead(bert_config.hidden_size)

    @staticmethod
    def load(model_dir: str) -> "HypencoderReference":
        try:
            with open(os.path.join(model_dir, "config.json")) as f:
                settings = HypencoderSettings.from_config(json.load(f))
        except (OSError, json.JSONDecodeError) as error:
            raise ModelError(f"{model_dir}/config.json: {error}") from error
        values = dict(BERT_BASE_UNCASED)
        bert_config_path = os.path.join(model_dir, "bert_config.json")
        if os.path.exists(bert_config_path):
            try:
                with open(bert_config_path) as f:
                    values.update(json.load(f))
            except (OSError, json.JSONDecodeError) as error:
                raise ModelError(f"{bert_config_path}: {error}") from error
        values["hidden_dropout_prob"] = values["attention_probs_dropout_prob"] = 0.0
        bert_config = BertConfig(**values)
        bert_config._attn_implementation = "eager"
        vocab = os.path.join(model_dir, "vocab.txt")
        if not os.path.exists(vocab):
            raise ModelError(f"{model_dir}: vocab.txt is missing")
        tokenizer = BertTokenizer(vocab, do_lower_case=True)
        return HypencoderReference(settings, bert_config, load_state_dict(model_dir), tokenizer)

    def _check_hyperhead(self, d: int) -> None:
        n = self.settings.hidden_layers
        dims = self.settings.vector_dimensions
        expected = {}
        # The authors' modules: a parameter of width w (d_i for weight i, d_{i+1} for bias i) has
        # keys and values Linear(d → w), query embeddings (1, rows, w) and Wp Linear(w → w).
        widths = []
        for i in range(n + 1):
            r, d_in = dims[i + 1], dims[i]
            expected[f"weight_query_embeddings.{i}"] = (1, r, d_in)
            expected[f"hyper_base_matrices.{i}"] = (1, r, d_in)
            expected[f"weight_hyper_projection.{i}.weight"] = (d_in, d_in)
            expected[f"weight_hyper_projection.{i}.bias"] = (d_in,)
            widths.append(d_in)
        for i in range(n):
            r = dims[i + 1]
            expected[f"bias_query_embeddings.{i}"] = (1, 1, r)
            expected[f"hyper_base_vectors.{i}"] = (1, r)
            expected[f"bias_hyper_projection.{i}.weight"] = (r, r)
            expected[f"bias_hyper_projection.{i}.bias"] = (r,)
            widths.append(r)
        for j, w in enumerate(widths):
            for kind in ("key", "value"):
                expected[f"{kind}_projections.{j}.weight"] = (w, d)
                expected[f"{kind}_projections.{j}.bias"] = (w,)
        for name, shape in expected.items():
            if name not in self.head:
                raise ModelError(f"weights: missing '{HYPERHEAD_PREFIX}{name}' "
                                 f"(vector_dimensions {dims} needs it)")
            if tuple(self.head[name].shape) != shape:
                raise ModelError(f"weights: '{HYPERHEAD_PREFIX}{name}' has shape "
                                 f"{tuple(self.head[name].shape)}, expected {shape}")

    # --- BERT -------------------------------------------------------------------------------

    def tokenize(self, texts: list[str], max_length: int) -> list[list[int]]:
        """[CLS] … [SEP] WordPiece ids, truncated to max_length tokens."""
        return [self.tokenizer(t, truncation=True, max_length=max_length)["input_ids"] for t in texts]

    @torch.no_grad()
    def encode_ids(self, ids: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Last-layer states (B, L, d) and attention mask (B, L) for a right-padded batch."""
        length = max(len(x) for x in ids)
        input_ids = torch.zeros(len(ids), length, dtype=torch.long)
        mask = torch.zeros(len(ids), length, dtype=torch.long)
        for row, x in enumerate(ids):
            input_ids[row, :len(x)] = torch.tensor(x)
            mask[row, :len(x)] = 1
        out = self.bert(input_ids=input_ids, attention_mask=mask,
                        token_type_ids=torch.zeros_like(input_ids))
        return out.last_hidden_state, mask

    def pool(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Document vectors (B, d): [CLS] state, or the masked mean of the last layer."""
        if self.settings.pooling_type == "cls":
            return states[:, 0, :].clone()
        m = mask.to(states.dtype).unsqueeze(-1)
        return (states * m).sum(dim=1) / m.sum(dim=1)

    def document_vectors_from_ids(self, ids: list[list[int]]) -> torch.Tensor:
        return self.pool(*self.encode_ids(ids))

    # --- hyperhead --------------------------------------------------------------------------

    @torch.no_grad()
    def _attend(self, query: torch.Tensor, H: torch.Tensor, m: torch.Tensor, j: int,
                scale: float) -> torch.Tensor:
        """C = softmax_rows(Q·Kᵀ / scale, padding columns −inf)·V with projections number j."""
        K = H @ self.head[f"key_projections.{j}.weight"].T + self.head[f"key_projections.{j}.bias"]
        V = H @ self.head[f"value_projections.{j}.weight"].T + self.head[f"value_projections.{j}.bias"]
        S = (query @ K.T) / scale
        S = S.masked_fill(m.unsqueeze(0) == 0, float("-inf"))
        return torch.softmax(S, dim=-1) @ V

    @torch.no_grad()
    def qnet(self, H: torch.Tensor, m: torch.Tensor) -> QNet:
        """Builds the q-net for one query from its states H (L, d) and mask m (L,)."""
        n = self.settings.hidden_layers
        weights, biases = [], []
        for i in range(n + 1):
            r = self.settings.vector_dimensions[i + 1]
            scale = math.sqrt(r) if i < n else 1.0      # the final r=1 weight uses scale 1
            C = self._attend(self.head[f"weight_query_embeddings.{i}"][0], H, m, i, scale)
            if i < n or not self.settings.linear_last_weight:
                C = layer_norm(torch.relu(C))
            W = (C @ self.head[f"weight_hyper_projection.{i}.weight"].T
                 + self.head[f"weight_hyper_projection.{i}.bias"]
                 + self.head[f"hyper_base_matrices.{i}"][0])
            weights.append(W)
        for i in range(n):
            C = self._attend(self.head[f"bias_query_embeddings.{i}"][0], H, m, n + 1 + i, 1.0)
            b = (layer_norm(torch.relu(C)) @ self.head[f"bias_hyper_projection.{i}.weight"].T
                 + self.head[f"bias_hyper_projection.{i}.bias"]
                 + self.head[f"hyper_base_vectors.{i}"][0])
            biases.append(b[0])
        return QNet(weights, biases)

    def qnets_from_ids(self, ids: list[list[int]]) -> list[QNet]:
        """q-nets for a batch of queries encoded together in one padded batch."""
        states, mask = self.encode_ids(ids)
        return [self.qnet(states[q], mask[q]) for q in range(len(ids))]

    # --- q-net ------------------------------------------------------------------------------

    @torch.no_grad()
    def apply_qnet(self, net: QNet, x: torch.Tensor) -> torch.Tensor:
        """Scores (D,) of document vectors x (D, d0)."""
        n = self.settings.hidden_layers
        for j in range(n):
            y = layer_norm(torch.relu(x @ net.weights[j].T + net.biases[j]))
            x = y + x if (j < n - 1 or self.settings.do_residual_on_last) else y
        return (x @ net.weights[n].T)[:, 0]

    def score_texts(self, queries: list[str], documents: list[str],
                    query_max_length: int = QUERY_MAX_LENGTH,
                    document_max_length: int = DOCUMENT_MAX_LENGTH) -> torch.Tensor:
        """(Q, D) scores; each query and each document encoded alone (no padding at all)."""
        docs = torch.cat([self.document_vectors_from_ids([x])
                          for x in self.tokenize(documents, document_max_length)])
        rows = [self.apply_qnet(self.qnets_from_ids([x])[0], docs)
                for x in self.tokenize(queries, query_max_length)]
        return torch.stack(rows)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Score queries against documents with a Hypencoder "
                                     "checkpoint (PyTorch reference of DESIGN.md §2).")
    parser.add_argument("--model", required=True, help="official-layout model directory")
    parser.add_argument("--query", action="append", required=True, help="a query (repeatable)")
    parser.add_argument("--document", action="append", required=True, help="a document (repeatable)")
    parser.add_argument("--query-max-length", type=int, default=QUERY_MAX_LENGTH)
    parser.add_argument("--document-max-length", type=int, default=DOCUMENT_MAX_LENGTH)
    parser.add_argument("--json", action="store_true", help="print the score matrix as JSON")
    args = parser.parse_args(argv)
    torch.set_grad_enabled(False)
    try:
        model = HypencoderReference.load(args.model)
    except ModelError as error:
        print(f"hypencoder_ref: {error}", file=sys.stderr)
        return 1
    scores = model.score_texts(args.query, args.document, args.query_max_length, args.document_max_length)
    if args.json:
        print(json.dumps({"queries": args.query, "documents": args.document,
                          "scores": [[float(v) for v in row] for row in scores]}))
        return 0
    for q, query in enumerate(args.query):
        print(f"query {q}: {query}")
        for d, document in enumerate(args.document):
            print(f"  doc {d}: {float(scores[q, d]):12.4f}  {document[:70]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
