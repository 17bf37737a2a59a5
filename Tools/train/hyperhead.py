"""The Hypencoder hyperhead and q-net as a trainable, batched PyTorch module.

Same arithmetic as Tools/reference/hypencoder_ref.py (DESIGN.md §2) but for a batch of queries
at once and with gradients; `state_dict_official()` returns the tensors under the official key
names and shapes, which is what the Swift engine and the reference load.

Two initialisations. `bi_encoder_start` (the general head, train_general.py and adapt.py) makes
a [d, 2d, 1] q-net with linear_last_weight rank exactly like the bi-encoder; see its docstring.
The constructor's own (the SciFact head, train_head.py; approximate, kept to reproduce that head):
with do_residual_on_last the q-net is
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


def layer_norm(x: torch.Tensor, eps: float = LN_EPS) -> torch.Tensor:
    """Parameter-free LayerNorm over the last dimension (biased variance, eps 1e-5)."""
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


class HyperHead(nn.Module):
    def __init__(self, d: int, vector_dimensions: list[int], initial_scale: float, seed: int,
                 value_shift: float = 0.0, linear_last_weight: bool = False, residual_on_last: bool = True):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.d, self.dims = d, vector_dimensions
        self.n = len(vector_dimensions) - 2
        self.linear_last_weight = linear_last_weight
        self.residual_on_last = residual_on_last
        # Export multiplies layer 0's generated weight and bias by this (see bi_encoder_start).
        self.layer0_export_scale = 1.0
        n = self.n

        def normal(*shape, std):
            return nn.Parameter(torch.randn(*shape, generator=generator) * std)

        def linear(d_out, d_in, std):
            layer = nn.Linear(d_in, d_out)
            with torch.no_grad():
                layer.weight.copy_(torch.randn(d_out, d_in, generator=generator) * std)
                layer.bias.zero_()
            return layer

        # Shapes as in the authors' modules: a generated parameter of width w (d_i for weight i,
        # d_{i+1} for bias i) has keys/values Linear(d → w), query embeddings (1, rows, w) and
        # Wp Linear(w → w). For the SciFact head every w is d.
        dims = vector_dimensions
        widths = [dims[i] for i in range(n + 1)] + [dims[i + 1] for i in range(n)]
        self.weight_query_embeddings = nn.ParameterList(
            [normal(1, dims[i + 1], dims[i], std=1.0) for i in range(n + 1)])
        self.bias_query_embeddings = nn.ParameterList([normal(1, 1, dims[i + 1], std=1.0) for i in range(n)])
        self.hyper_base_matrices = nn.ParameterList(
            [nn.Parameter(torch.zeros(1, dims[i + 1], dims[i])) for i in range(n + 1)])
        self.hyper_base_vectors = nn.ParameterList(
            [nn.Parameter(0.5 + torch.rand(1, dims[i + 1], generator=generator)) for i in range(n)])
        self.key_projections = nn.ModuleList([linear(w, d, 0.02) for w in widths])
        self.value_projections = nn.ModuleList([linear(w, d, 0.02) for w in widths])
        self.weight_hyper_projection = nn.ModuleList([linear(dims[i], dims[i], 0.0) for i in range(n + 1)])
        self.bias_hyper_projection = nn.ModuleList([linear(dims[i + 1], dims[i + 1], 0.0) for i in range(n)])
        with torch.no_grad():
            # Hidden layer 0 starts as x1 = x0 + LN(x0): identity weight and a constant bias that
            # keeps ReLU open (x0's entries are within ±1), and LN is shift-invariant.
            self.hyper_base_matrices[0][0].copy_(torch.eye(vector_dimensions[1], vector_dimensions[0]))
            self.hyper_base_vectors[0].fill_(1.0)
            # The final weight: uniform attention, values = the token states, w_n = scale * LN(mean).
            self.key_projections[n].weight.zero_()
            self.value_projections[n].weight.copy_(torch.eye(dims[n], d))
            # A constant shift keeps ReLU open for every component (LN removes it again), so
            # value_shift > 0 makes w_n = scale * LN(mean) exactly, negative components included.
            self.value_projections[n].bias.fill_(value_shift)
            self.weight_hyper_projection[n].weight.copy_(torch.eye(dims[n]) * initial_scale)

    def bi_encoder_start(self, scale: float, shift: float, export_scale: float) -> None:
        """Makes the q-net rank exactly like the bi-encoder (cosine of masked means) at step 0.

        Needs vector_dimensions [d, 2d, 1] (one hidden layer, no residual) and linear_last_weight:
            layer 0:  W0 = [I; -I], b0 = shift·1 (shift > every |x0_i|, so ReLU stays open),
                      y = [x0 + shift; -x0 + shift], whose mean is exactly `shift`, so
                      LN(y) = [x0; -x0]·sqrt(d)/|x0|: the document vector normalised, twice;
            w1:       uniform attention (zero keys), V = [I; -I], Wp = scale·I, no ReLU/LN
                      (linear_last_weight), so w1 = scale·[q; -q] with q the query's masked mean;
            score   = 2·scale·sqrt(d)·|q|·cos(q, x0): the cosine times a per-query constant.
        LayerNorm's eps (1e-5) would add a document-dependent term; `export_scale` (a power of
        two, so the scaling is exact) multiplies layer 0's generated weight and bias in the
        exported file, which divides eps's effect by export_scale² while leaving the network
        unchanged otherwise (LN is scale-invariant). Training sees eps/export_scale² directly.
        """
        d, dims, n = self.d, self.dims, self.n
        assert n == 1 and dims == [d, 2 * d, 1] and self.linear_last_weight and not self.residual_on_last, \
            "needs [d, 2d, 1], linear_last_weight and no residual"
        identity = torch.eye(d)
        with torch.no_grad():
            self.hyper_base_matrices[0][0].copy_(torch.cat([identity, -identity]))
            self.hyper_base_vectors[0].fill_(shift)
            for layer in (self.weight_hyper_projection[0], self.bias_hyper_projection[0]):
                layer.weight.zero_()
                layer.bias.zero_()
            self.key_projections[n].weight.zero_()
            self.key_projections[n].bias.zero_()
            self.value_projections[n].weight.copy_(torch.cat([identity, -identity]))
            self.value_projections[n].bias.zero_()
            self.weight_hyper_projection[n].weight.copy_(torch.eye(2 * d) * scale)
            self.weight_hyper_projection[n].bias.zero_()
            self.hyper_base_matrices[n].zero_()
        self.layer0_export_scale = export_scale

    def learnable(self, learn: str) -> list[nn.Parameter]:
        """Freezes what `learn` leaves out and returns the rest: "pooling" (only the last weight's
        attention over the query's tokens), "last" (the last weight's whole generator) or "all"."""
        if learn not in ("pooling", "last", "all"):
            raise ValueError(f"learn must be pooling, last or all, not {learn!r}")
        if learn != "all":
            self.freeze_hidden_layers()
        if learn == "pooling":
            self.freeze_all_but_last_attention()
        return [p for p in self.parameters() if p.requires_grad]

    def contrastive_logits(self, weights, biases, x: torch.Tensor, temperature: float = 20.0) -> torch.Tensor:
        """Scores (B, N) divided by |w_n|·|x_n| and times `temperature`: the cosine between each
        query's last weight and the documents' last hidden states (|x_n| = √width after LayerNorm).

        Training on raw scores lets the loss fall by growing |w_n| (pooling fewer tokens, say)
        without ranking any better; with raw scores every probe lowered dev nDCG while its
        training loss fell. For bi_encoder_start this is exactly temperature·cos(q, x0) at step 0,
        the bi-encoder's own training objective at temperature 0.05."""
        norm = weights[-1][:, 0].norm(dim=-1, keepdim=True) * math.sqrt(self.dims[-2])
        return self.score(weights, biases, x) * (temperature / norm)

    def freeze_hidden_layers(self) -> None:
        """Stops gradients to every generator but the last weight's: the hidden layers keep their
        start (for bi_encoder_start, the document vector's exact normalisation)."""
        n = self.n
        frozen = [self.weight_query_embeddings[i] for i in range(n)] + list(self.bias_query_embeddings) + \
            [self.hyper_base_matrices[i] for i in range(n)] + list(self.hyper_base_vectors)
        modules = [self.weight_hyper_projection[i] for i in range(n)] + list(self.bias_hyper_projection) + \
            [self.key_projections[j] for j in range(2 * n + 1) if j != n] + \
            [self.value_projections[j] for j in range(2 * n + 1) if j != n]
        for parameter in frozen + [p for m in modules for p in m.parameters()]:
            parameter.requires_grad_(False)

    def freeze_all_but_last_attention(self) -> None:
        """Leaves trainable only what decides how the last weight pools the query's tokens: its
        key projection and query row. The pooling logit of token t is e·(Wk·h_t + bk), a linear
        function of h_t, so this learns about d numbers of token weighting and cannot memorise
        which documents answered which training queries."""
        n = self.n
        keep = {id(p) for p in self.key_projections[n].parameters()} | {id(self.weight_query_embeddings[n])}
        for parameter in self.parameters():
            if id(parameter) not in keep:
                parameter.requires_grad_(False)

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
            if i < self.n or not self.linear_last_weight:
                C = layer_norm(torch.relu(C))
            weights.append(self.weight_hyper_projection[i](C) + self.hyper_base_matrices[i])
        for i in range(self.n):
            C = self._attend(self.bias_query_embeddings[i][0], H, pad, self.n + 1 + i, 1.0)
            biases.append((self.bias_hyper_projection[i](layer_norm(torch.relu(C))) + self.hyper_base_vectors[i])[:, 0])
        return weights, biases

    def score(self, weights, biases, x: torch.Tensor) -> torch.Tensor:
        """Scores (B, N): every query's q-net applied to documents x (N, d) or (B, N, d)."""
        if x.dim() == 2:
            x = x.unsqueeze(0).expand(weights[0].shape[0], -1, -1)
        for j in range(self.n):
            eps = LN_EPS / self.layer0_export_scale ** 2 if j == 0 else LN_EPS
            y = layer_norm(torch.relu(torch.einsum("bnd,brd->bnr", x, weights[j]) + biases[j].unsqueeze(1)), eps)
            x = y + x if (j < self.n - 1 or self.residual_on_last) else y
        return torch.einsum("bnd,brd->bnr", x, weights[self.n])[..., 0]

    def state_dict_official(self) -> dict[str, torch.Tensor]:
        """The head's tensors under the official names (prefix query_encoder.), float32, contiguous."""
        layer0 = ("weight_hyper_projection.0.", "bias_hyper_projection.0.", "hyper_base_matrices.0",
                  "hyper_base_vectors.0")
        out = {}
        for name, tensor in self.state_dict().items():
            value = tensor.detach().to(torch.float32)
            if name.startswith(layer0):
                value = value * self.layer0_export_scale
            out["query_encoder." + name] = value.contiguous().clone()
        return out
