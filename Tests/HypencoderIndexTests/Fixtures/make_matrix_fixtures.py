#!/usr/bin/env python3
"""Writes the bulk-import fixtures for MatrixImportTests with the reference libraries
(NumPy, safetensors, PyTorch for bfloat16). Run from this directory with the repo's venv:

    ../../../.venv/bin/python make_matrix_fixtures.py

For each matrix file it also writes `<name>.expected.txt`: the values as the reference
library reads them back, widened to float32, one row per line, as float32 bit patterns in hex.
"""
import numpy as np
import torch
from safetensors.numpy import save_file
from safetensors.torch import save_file as save_torch

rng = np.random.default_rng(2025)
matrix = (rng.standard_normal((5, 3)) * 3).astype(np.float32)


def expected(name, values):
    bits = np.asarray(values, dtype=np.float32).view(np.uint32)
    with open(name + ".expected.txt", "w") as out:
        for row in bits:
            out.write(" ".join(format(int(b), "x") for b in row) + "\n")


np.save("vectors_f32.npy", matrix)
expected("vectors_f32.npy", np.load("vectors_f32.npy").astype(np.float32))

np.save("vectors_f16.npy", matrix.astype(np.float16))
expected("vectors_f16.npy", np.load("vectors_f16.npy").astype(np.float32))

save_file({"embeddings": matrix}, "vectors_f32.safetensors")
expected("vectors_f32.safetensors", matrix)

save_torch({"embeddings": torch.from_numpy(matrix).to(torch.bfloat16)}, "vectors_bf16.safetensors")
expected("vectors_bf16.safetensors", torch.from_numpy(matrix).to(torch.bfloat16).float().numpy())

with open("ids.txt", "w") as out:
    out.write("".join(f"doc-{i}\n" for i in range(5)))

# Inputs that must be refused with a clear error.
np.save("bad_fortran.npy", np.asfortranarray(matrix))
np.save("bad_3d.npy", matrix.reshape(5, 3, 1))
np.save("bad_f64.npy", matrix.astype(np.float64))
save_file({"a": matrix, "b": matrix}, "bad_two_tensors.safetensors")
