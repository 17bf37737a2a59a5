"""A seeded, platform-independent random stream for the fixture generator.

Why not torch or numpy RNG: their algorithms and seeding rules change between releases, and
global RNG state makes outputs depend on call order. Here every tensor gets its own stream,
seeded from (model seed, tensor name), computed with splitmix64 in numpy uint64 arithmetic, and
turned into floats with exact integer arithmetic plus one IEEE multiply. The same inputs give the
same bits on every machine and every numpy version.
"""
from __future__ import annotations

import hashlib
import math

import numpy as np

GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
CHUNK = 1 << 22  # values generated at a time, to bound memory for the 23M-entry embedding table


def stream_seed(*parts: object) -> int:
    """A 64-bit seed from any labels, e.g. stream_seed(model_seed, tensor_name)."""
    text = "/".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "little")


def splitmix64(seed: int, count: int, offset: int = 0) -> np.ndarray:
    """Outputs offset…offset+count-1 of splitmix64 started at `seed` (counter form)."""
    counter = np.arange(offset + 1, offset + count + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + counter * GOLDEN_GAMMA
        z = (z ^ (z >> np.uint64(30))) * MIX1
        z = (z ^ (z >> np.uint64(27))) * MIX2
    return z ^ (z >> np.uint64(31))


def _bell_chunk(bits: np.ndarray) -> np.ndarray:
    """Approximately standard-normal values, one per 64-bit word.

    Sum of the word's four 16-bit lanes as uniforms (Irwin–Hall, n = 4): mean 2, variance 1/3.
    Only integer sums and one float64 multiply are involved, so there is no libm (log/cos) whose
    last bit could differ between machines. Tails stop at ±3.46σ, which suits weight init.
    """
    mask = np.uint64(0xFFFF)
    lanes = sum(((bits >> np.uint64(16 * k)) & mask).astype(np.int64) for k in range(4))
    centred = (lanes.astype(np.float64) + 2.0) / 65536.0 - 2.0
    return centred * math.sqrt(3.0)


def normal(seed: int, shape: tuple[int, ...], std: float, mean: float = 0.0) -> np.ndarray:
    """float32 array of the given shape, approximately N(mean, std²)."""
    count = int(np.prod(shape)) if shape else 1
    out = np.empty(count, dtype=np.float32)
    for start in range(0, count, CHUNK):
        stop = min(count, start + CHUNK)
        values = _bell_chunk(splitmix64(seed, stop - start, start)) * std + mean
        out[start:stop] = values.astype(np.float32)
    return out.reshape(shape)


def uniform_indices(seed: int, count: int, bound: int) -> list[int]:
    """count integers in [0, bound), for deterministic sampling (e.g. corpus lines)."""
    return [int(v % np.uint64(bound)) for v in splitmix64(seed, count)]
