"""The Hypencoder hyperhead and q-net as a trainable, batched PyTorch module.

Same arithmetic as Tools/reference/hypencoder_ref.py (DESIGN.md §2) but for a batch of queries
at once and with gradients; `state_dict_official()` returns the tensors under the official key
names and shapes, which is what the Swift engine and the reference load.

Initialisation ("start as the MiniLM bi-encoder"): with do_residual_on_last the q-net is
    x1 = x0 + LN(ReLU(W0·x0 + b0)),  x2 = x1 + LN(ReLU(W1·x1 + b1)),  score = w2·x2.
We start with W0 = I and b0 = 1 (ReLU stays open since |x0| < 1 per entry), so x1 = x0 + LN(x0),
the document vector plus its centred, normalised copy; W1 = 0 with positive b1, so layer 1 adds a
constant that does not depend on the document. The score is then w2·(x0 + LN(x0)) plus a per-query
constant, which ranks almost exactly like the cosine similarity with w2. For w2 the key projection starts at zero (uniform attention
over the query's tokens) and the value projection at the identity, so C is the query's masked
mean embedding (the bi-encoder's query vector); w2 = scale·LN(ReLU(C)) (the generator's ReLU
cannot be bypassed, so the start is only close to the bi-encoder: the negative components of
the query embedding are lost). Training starts from a
bi-encoder-like ranking and the positive biases keep ReLU open so gradients reach W0 and W1.
"""
from __future__ import annotations

import math

import torch
from torch import nn

LN_EPS = 1e-5


def layer_norm(x: torch.Tensor) -> torch.Tensor:
    """Parameter-free LayerNorm over the last dimension (biased variance, eps 1e-5)."""
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + LN_EPS)


class HyperHead(nn.Module):
    def __init__(self, d: int, vector_dimensions: list[int], initial_scale: float, seed: int,
                 value_shift: float = 0.0):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.d, self.dims = d, vector_dimensions
        self.n = len(vector_dimensions) - 2
        n = self.n

        def normal(*shape, std):
            return nn.Parameter(torch.randn(*shape, generator=generator) * std)

        def linear(d_out, d_in, std):
            layer = nn.Linear(d_in, d_out)
            with torch.no_grad():
                layer.weight.copy_(torch.randn(d_out, d_in, generator=generator) * std)
                layer.bias.zero_()
            return layer

        self.weight_query_embeddings = nn.ParameterList(
            [normal(1, vector_dimensions[i + 1], d, std=1.0) for i in range(n + 1)])
        self.bias_query_embeddings = nn.ParameterList([normal(1, 1, d, std=1.0) for _ in range(n)])
        self.hyper_base_matrices = nn.ParameterList(
            [nn.Parameter(torch.zeros(1, vector_dimensions[i + 1], vector_dimensions[i])) for i in range(n + 1)])
        self.hyper_base_vectors = nn.ParameterList(
            [nn.Parameter(0.5 + torch.rand(1, vector_dimensions[i + 1], generator=generator)) for i in range(n)])
        self.key_projections = nn.ModuleList([linear(d, d, 0.02) for _ in range(2 * n + 1)])
        self.value_projections = nn.ModuleList([linear(d, d, 0.02) for _ in range(2 * n + 1)])
        self.weight_hyper_projection = nn.ModuleList(
            [linear(vector_dimensions[i], d, 0.0) for i in range(n + 1)])
        self.bias_hyper_projection = nn.ModuleList([linear(vector_dimensions[i + 1], d, 0.0) for i in range(n)])
        with torch.no_grad():
            # Hidden layer 0 starts as x1 = x0 + LN(x0): identity weight and a constant bias that
            # keeps ReLU open (x0's entries are within ±1), and LN is shift-invariant.
            self.hyper_base_matrices[0][0].copy_(torch.eye(vector_dimensions[1], vector_dimensions[0]))
            self.hyper_base_vectors[0].fill_(1.0)
            # The final weight: uniform attention, values = the token states, w_n = scale * LN(mean).
            self.key_projections[n].weight.zero_()
            self.value_projections[n].weight.copy_(torch.eye(d))
            # A constant shift keeps ReLU open for every component (LN removes it again), so
            # value_shift > 0 makes w_n = scale * LN(mean) exactly, negative components included.
            self.value_projections[n].bias.fill_(value_shift)
            self.weight_hyper_projection[n].weight.copy_(torch.eye(d) * initial_scale)

    def _attend(self, query: torch.Tensor, H: torch.Tensor, pad: torch.Tensor, j: int, scale: float):
        """C (B, r, d) = softmax(Q·Kᵀ/scale, padding −inf)·V with projections number j."""
        K = self.key_projections[j](H)
        V = self.value_projections[j](H)
        S = torch.einsum("rd,bld->brl", query, K) / scale
        S = S.masked_fill(pad.unsqueeze(1), float("-inf"))
        return torch.softmax(S, dim=-1) @ V

    def qnets(self, H: torch.Tensor, mask: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Per-query weights [(B, r_i, d_i)] and biases [(B, r_i)] from states H (B, L, d), mask (B, L)."""
        pad = mask == 0
        weights, biases = [], []
        for i in range(self.n + 1):
            scale = math.sqrt(self.dims[i + 1]) if i < self.n else 1.0
            C = self._attend(self.weight_query_embeddings[i][0], H, pad, i, scale)
            weights.append(self.weight_hyper_projection[i](layer_norm(torch.relu(C))) + self.hyper_base_matrices[i])
        for i in range(self.n):
            C = self._attend(self.bias_query_embeddings[i][0], H, pad, self.n + 1 + i, 1.0)
            biases.append((self.bias_hyper_projection[i](layer_norm(torch.relu(C))) + self.hyper_base_vectors[i])[:, 0])
        return weights, biases

    def score(self, weights, biases, x: torch.Tensor, residual_on_last: bool = True) -> torch.Tensor:
        """Scores (B, N): every query's q-net applied to documents x (N, d) or (B, N, d)."""
        if x.dim() == 2:
            x = x.unsqueeze(0).expand(weights[0].shape[0], -1, -1)
        for j in range(self.n):
            y = layer_norm(torch.relu(torch.einsum("bnd,brd->bnr", x, weights[j]) + biases[j].unsqueeze(1)))
            x = y + x if (j < self.n - 1 or residual_on_last) else y
        return torch.einsum("bnd,brd->bnr", x, weights[self.n])[..., 0]

    def state_dict_official(self) -> dict[str, torch.Tensor]:
        """The head's tensors under the official names (prefix query_encoder.), float32, contiguous."""
        out = {}
        for name, tensor in self.state_dict().items():
            out["query_encoder." + name] = tensor.detach().to(torch.float32).contiguous().clone()
        return out
