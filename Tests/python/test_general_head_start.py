"""The general head's starting point (Tools/train/hyperhead.py `bi_encoder_start`) is the
bi-encoder: before any training its q-net ranks documents exactly by the cosine between the
query's and the document's masked-mean vectors, and the exported tensors (layer 0 scaled by
256 to take LayerNorm's eps out of the ranking) compute the same network.

Seeded random token states and document vectors at MiniLM's scale (document norms 1.5–3.5,
components within ±0.65, as measured on the SciFact corpus vectors)."""

import os
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Tools", "train"))
from hyperhead import HyperHead  # noqa: E402

D = 32


def make_head():
    head = HyperHead(D, [D, 2 * D, 1], 0.0, seed=7, linear_last_weight=True, residual_on_last=False)
    head.bi_encoder_start(scale=0.25, shift=4.0, export_scale=256.0)
    return head


def inputs(seed):
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.tensor([3, 9, 5, 12, 1, 7])
    H = torch.randn(len(lengths), 12, D, generator=generator) * 0.3
    mask = (torch.arange(12)[None, :] < lengths[:, None]).long()
    docs = torch.randn(400, D, generator=generator) * 0.08
    docs = docs * (1.5 + 2.0 * torch.rand(400, 1, generator=generator)) / docs.norm(dim=1, keepdim=True)
    return H, mask, docs


def cosine(H, mask, docs):
    m = mask.unsqueeze(-1).double()
    q = (H.double() * m).sum(1) / m.sum(1)
    return (q / q.norm(dim=1, keepdim=True)) @ (docs.double() / docs.double().norm(dim=1, keepdim=True)).T


def test_start_ranks_exactly_like_the_bi_encoder():
    head = make_head()
    H, mask, docs = inputs(1)
    with torch.no_grad():
        weights, biases = head.qnets(H, mask)
        scores = head.score(weights, biases, docs).double()
    expected = cosine(H, mask, docs)
    assert docs.abs().max() < 4.0, "the shift must keep layer 0's ReLU open"
    for q in range(len(H)):
        # Same order, and the score is the cosine times one per-query constant.
        assert torch.equal(torch.argsort(scores[q], descending=True), torch.argsort(expected[q], descending=True))
        factor = float(scores[q] @ expected[q] / (expected[q] @ expected[q]))
        assert factor > 0
        assert (scores[q] - factor * expected[q]).abs().max() < 1e-5 * scores[q].abs().max()


def test_exported_tensors_compute_the_same_network():
    head = make_head()
    exported = HyperHead(D, [D, 2 * D, 1], 0.0, seed=99, linear_last_weight=True, residual_on_last=False)
    tensors = {k.removeprefix("query_encoder."): v for k, v in head.state_dict_official().items()}
    exported.load_state_dict(tensors)       # layer0_export_scale stays 1: plain eps, as the engine runs it
    assert float(tensors["hyper_base_vectors.0"][0, 0]) == 4.0 * 256
    H, mask, docs = inputs(2)
    with torch.no_grad():
        a = head.score(*head.qnets(H, mask), docs)
        b = exported.score(*exported.qnets(H, mask), docs)
    assert torch.allclose(a, b, rtol=1e-5, atol=1e-5 * float(a.abs().max()))
    for q in range(len(H)):
        assert torch.equal(torch.argsort(a[q], descending=True), torch.argsort(b[q], descending=True))


def test_official_initialisation_is_unchanged_for_square_heads():
    """The SciFact head's recipe (train_head.py) must still produce the same starting tensors."""
    head = HyperHead(D, [D, D, D, 1], 20.0 / D, seed=3)
    shapes = {k: tuple(v.shape) for k, v in head.state_dict().items()}
    assert shapes["key_projections.0.weight"] == (D, D)
    assert shapes["weight_query_embeddings.2"] == (1, 1, D)
    assert torch.equal(head.hyper_base_matrices[0][0], torch.eye(D))
    assert np.isclose(float(head.weight_hyper_projection[2].weight.detach()[0, 0]), 20.0 / D)
