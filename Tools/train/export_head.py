"""Writes a trained head in the official Hypencoder layout (DESIGN.md §2).

Models/hypencoder-minilm-general/ and Models/hypencoder-minilm-scifact/ hold only what is ours:
head.safetensors (the hyperhead tensors under their official `query_encoder.*` names; float16 for
the science head to keep the committed file small, float32 for the general one, see
write_model_files), config.json and bert_config.json. Scripts/default-model adds the MiniLM
backbone under `query_encoder.transformer.*` and the tokenizer files to make a loadable model.
"""
from __future__ import annotations

import json
import os

import torch
from safetensors.torch import save_file

QUERY_MAX_LENGTH = 64
DOCUMENT_MAX_LENGTH = 256     # all-MiniLM-L6-v2 was trained with 256 tokens


def official_config(vector_dimensions: list[int], training: dict, residual_on_last: bool = True,
                    linear_last_weight: bool = False, query_max_length: int = QUERY_MAX_LENGTH) -> dict:
    """config.json as the authors' code writes it, plus our two top-level token limits and, when
    set, our `linear_last_weight` extension (DESIGN.md §2, "A linear last weight")."""
    converter = {"vector_dimensions": vector_dimensions, "activation_type": "relu",
                 "do_residual_on_last": residual_on_last}
    if linear_last_weight:
        converter["linear_last_weight"] = True
    return {
        "model_type": "hypencoder",
        "query_encoder_kwargs": {
            "model_name_or_path": "sentence-transformers/all-MiniLM-L6-v2",
            "freeze_transformer": True,
            "converter_kwargs": converter,
        },
        "passage_encoder_kwargs": {"model_name_or_path": "sentence-transformers/all-MiniLM-L6-v2",
                                   "freeze_transformer": True, "pooling_type": "mean"},
        "shared_encoder": True,
        "query_max_length": query_max_length,
        "document_max_length": DOCUMENT_MAX_LENGTH,
        "training": training,
    }


def bert_config() -> dict:
    """all-MiniLM-L6-v2's BertConfig (dropout irrelevant at inference, kept as shipped)."""
    return {"architectures": ["BertModel"], "model_type": "bert", "vocab_size": 30522, "hidden_size": 384,
            "num_hidden_layers": 6, "num_attention_heads": 12, "intermediate_size": 1536,
            "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": 512, "type_vocab_size": 2, "initializer_range": 0.02,
            "layer_norm_eps": 1e-12, "pad_token_id": 0, "position_embedding_type": "absolute"}


def write_json(path: str, value: dict) -> None:
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)
        f.write("\n")
    os.replace(path + ".tmp", path)


def write_model_files(head, vector_dimensions: list[int], out: str, training: dict,
                      dtype: torch.dtype = torch.float16, query_max_length: int = QUERY_MAX_LENGTH) -> None:
    """The head in `dtype` (float16 for the SciFact head; float32 for heads started with
    bi_encoder_start, whose layer-0 base entries of 256 and 1024 would leave float16 a
    resolution of 0.25 to 1 for what training adds to them)."""
    os.makedirs(out, exist_ok=True)
    tensors = {k: v.to(dtype).contiguous() for k, v in head.state_dict_official().items()}
    save_file(tensors, os.path.join(out, "head.safetensors.tmp"), metadata={"format": "pt"})
    os.replace(os.path.join(out, "head.safetensors.tmp"), os.path.join(out, "head.safetensors"))
    write_json(os.path.join(out, "config.json"),
               official_config(vector_dimensions, training, head.residual_on_last, head.linear_last_weight,
                               query_max_length))
    write_json(os.path.join(out, "bert_config.json"), bert_config())
