"""The frozen all-MiniLM-L6-v2 backbone: document vectors and query token states.

Plain transformers BertModel, eager attention, float32, 2 threads, token types all 0 and
masked mean pooling: the arithmetic DESIGN.md §2 prescribes and the Swift engine reproduces,
so vectors cached here are the ones the engine would compute (to rounding).
Batches are sorted by length so padding (wasted work on 2 shared cores) stays small.
"""
from __future__ import annotations

import numpy as np
import torch
from transformers import BertModel, BertTokenizerFast

BATCH = 32


class MiniLM:
    def __init__(self, model_dir: str, threads: int = 2):
        torch.set_num_threads(threads)
        self.tokenizer = BertTokenizerFast.from_pretrained(model_dir)
        self.model = BertModel.from_pretrained(model_dir, add_pooling_layer=False,
                                               attn_implementation="eager").eval()
        self.hidden = self.model.config.hidden_size

    def _batches(self, texts: list[str], max_length: int):
        lengths = [len(ids) for ids in self.tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]]
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        for start in range(0, len(order), BATCH):
            rows = order[start:start + BATCH]
            encoded = self.tokenizer([texts[i] for i in rows], padding=True, truncation=True,
                                     max_length=max_length, return_tensors="pt")
            with torch.no_grad():
                states = self.model(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"],
                                    token_type_ids=torch.zeros_like(encoded["input_ids"])).last_hidden_state
            yield rows, states, encoded["attention_mask"]

    def document_vectors(self, texts: list[str], max_length: int = 256) -> np.ndarray:
        """(N, d) float32 masked means of the last layer."""
        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        for rows, states, mask in self._batches(texts, max_length):
            m = mask.unsqueeze(-1).to(states.dtype)
            out[rows] = ((states * m).sum(1) / m.sum(1)).numpy()
        return out

    def token_states(self, texts: list[str], max_length: int) -> tuple[np.ndarray, np.ndarray]:
        """(N, max_length, d) float16 last-layer states (zeros past each text's end) and (N,) lengths."""
        out = np.zeros((len(texts), max_length, self.hidden), dtype=np.float16)
        lengths = np.zeros(len(texts), dtype=np.int32)
        for rows, states, mask in self._batches(texts, max_length):
            n = mask.sum(1).numpy()
            for k, row in enumerate(rows):
                out[row, :n[k]] = states[k, :n[k]].numpy().astype(np.float16)
                lengths[row] = n[k]
        return out, lengths
