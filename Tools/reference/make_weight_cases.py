#!/usr/bin/env python3
"""Write the small weight-file fixtures the Swift weight readers are tested against.

Every `.bin` here is written by real `torch.save`, every `.safetensors` by the real
`safetensors` library, so the Swift readers are checked against the reference writers,
not against themselves. Next to each file, `<case>.expected.json` lists every tensor as
torch sees it after widening to float32: `{"name": {"shape": [...], "bits": [uint32...]}}`
(bit patterns, so NaN, infinities, -0.0 and subnormals compare exactly); integer buffers
carry `"integer": true`.

Usage (from the repository root):
    .venv/bin/python Tools/reference/make_weight_cases.py [--out Tests/Fixtures/weights]

Deterministic: values come from fixed arithmetic, not an RNG, and the one random record of a
torch zip (`.data/serialization_id`) is overwritten with a fixed value, so re-running gives
byte-identical files.
"""
import argparse
import collections
import io
import json
import os
import zipfile
import zlib

import torch
from safetensors.torch import save_file

# The marker the hostile pickle would create if anything executed it. The Swift test
# deletes it first and asserts it still does not exist after loading.
HOSTILE_MARKER = "/tmp/hypencoder-hostile-pickle-marker"


def ramp(*shape, scale=0.125, shift=0.0, dtype=torch.float32):
    count = 1
    for d in shape:
        count *= d
    values = [((i * 7) % 23 - 11) * scale + shift for i in range(count)]
    return torch.tensor(values, dtype=torch.float32).reshape(*shape).to(dtype)


def expected(state):
    """Every tensor as float32 bit patterns; integer buffers (which readers skip unless asked)
    are marked `"integer": true`."""
    out = {}
    for name, tensor in state.items():
        if not isinstance(tensor, torch.Tensor):
            continue
        widened = tensor.detach().to(torch.float32).contiguous()
        bits = widened.view(torch.int32).flatten().tolist()
        out[name] = {"shape": list(widened.shape), "bits": [b & 0xFFFFFFFF for b in bits]}
        if not tensor.is_floating_point():
            out[name]["integer"] = True
    return out


def fixed_zip(data: bytes) -> bytes:
    """Replace the random `.data/serialization_id` of a torch zip with zeros of the same
    length (so every offset and torch's 64-byte alignment stay put) and fix its CRCs."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    entry = next((n for n in archive.namelist() if n.endswith(".data/serialization_id")), None)
    if entry is None:
        return data
    info = archive.getinfo(entry)
    original = archive.read(entry)
    replacement = b"0" * len(original)
    crc = zlib.crc32(replacement).to_bytes(4, "little")
    out = bytearray(data)
    local = info.header_offset
    name_len = int.from_bytes(out[local + 26:local + 28], "little")
    extra_len = int.from_bytes(out[local + 28:local + 30], "little")
    start = local + 30 + name_len + extra_len
    assert bytes(out[start:start + len(original)]) == original
    out[start:start + len(original)] = replacement
    out[local + 14:local + 18] = crc
    position = data.find(b"PK\x01\x02")
    while position >= 0:
        n = int.from_bytes(data[position + 28:position + 30], "little")
        if data[position + 46:position + 46 + n] == entry.encode():
            out[position + 16:position + 20] = crc
        position = data.find(b"PK\x01\x02", position + 4)
    return bytes(out)


def save_bin(path, state):
    buffer = io.BytesIO()
    torch.save(state, buffer)
    with open(path, "wb") as f:
        f.write(fixed_zip(buffer.getvalue()))
    # The reference reader must agree with what we claim.
    loaded = torch.load(path, weights_only=True)
    assert expected(loaded) == expected(state), path


def write_case(out, name, state, safetensors_state=None):
    save_bin(os.path.join(out, name + ".bin"), state)
    if safetensors_state is not None:
        target = os.path.join(out, name + ".safetensors")
        save_file(safetensors_state, target, metadata={"format": "pt"})
        os.chmod(target, 0o644)
    with open(os.path.join(out, name + ".expected.json"), "w") as f:
        json.dump(expected(state), f, sort_keys=True, separators=(",", ":"))
        f.write("\n")


TINY_BERT = {"hidden_size": 4, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 8,
             "vocab_size": 6, "max_position_embeddings": 8, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
             "hidden_act": "gelu"}
TINY_DIMS = [4, 4, 1]


def tiny_hypencoder_state():
    """A complete official-layout state dict for a 4-wide, 1-layer BERT and q-net [4, 4, 1]:
    BERT under both prefixes sharing storages (as save_pretrained(safe_serialization=False)
    writes a shared encoder), a pooler the loader must ignore, and the hyperhead."""
    h, ffn = TINY_BERT["hidden_size"], TINY_BERT["intermediate_size"]
    bert = collections.OrderedDict()
    bert["embeddings.word_embeddings.weight"] = (TINY_BERT["vocab_size"], h)
    bert["embeddings.position_embeddings.weight"] = (TINY_BERT["max_position_embeddings"], h)
    bert["embeddings.token_type_embeddings.weight"] = (TINY_BERT["type_vocab_size"], h)
    bert["embeddings.LayerNorm.weight"] = (h,)
    bert["embeddings.LayerNorm.bias"] = (h,)
    for layer in range(TINY_BERT["num_hidden_layers"]):
        p = f"encoder.layer.{layer}."
        for proj in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"]:
            bert[p + proj + ".weight"] = (h, h)
            bert[p + proj + ".bias"] = (h,)
        bert[p + "attention.output.LayerNorm.weight"] = (h,)
        bert[p + "attention.output.LayerNorm.bias"] = (h,)
        bert[p + "intermediate.dense.weight"] = (ffn, h)
        bert[p + "intermediate.dense.bias"] = (ffn,)
        bert[p + "output.dense.weight"] = (h, ffn)
        bert[p + "output.dense.bias"] = (h,)
        bert[p + "output.LayerNorm.weight"] = (h,)
        bert[p + "output.LayerNorm.bias"] = (h,)
    bert["pooler.dense.weight"] = (h, h)
    bert["pooler.dense.bias"] = (h,)
    d = TINY_DIMS
    head = collections.OrderedDict()
    n = len(d) - 2
    for i in range(n + 1):
        head[f"hyper_base_matrices.{i}"] = (1, d[i + 1], d[i])
        head[f"weight_query_embeddings.{i}"] = (1, d[i + 1], d[i])
        head[f"weight_hyper_projection.{i}.weight"] = (d[i], d[i])
        head[f"weight_hyper_projection.{i}.bias"] = (d[i],)
    for i in range(n):
        head[f"hyper_base_vectors.{i}"] = (1, d[i + 1])
        head[f"bias_query_embeddings.{i}"] = (1, 1, d[i + 1])
        head[f"bias_hyper_projection.{i}.weight"] = (d[i + 1], d[i + 1])
        head[f"bias_hyper_projection.{i}.bias"] = (d[i + 1],)
    for j, width in enumerate(d[:n + 1] + d[1:n + 1]):
        for kind in ["key_projections", "value_projections"]:
            head[f"{kind}.{j}.weight"] = (width, h)
            head[f"{kind}.{j}.bias"] = (width,)
    state = collections.OrderedDict()
    tensors = {name: ramp(*shape, scale=0.03125, shift=index * 0.001) for index, (name, shape) in enumerate(bert.items())}
    for name in bert:
        state["query_encoder.transformer." + name] = tensors[name]
    for index, (name, shape) in enumerate(head.items()):
        state["query_encoder." + name] = ramp(*shape, scale=0.0625, shift=-index * 0.002)
    for name in bert:
        state["passage_encoder.transformer." + name] = tensors[name]
    return state


def write_tiny_hypencoder(out):
    """`tiny_hypencoder/`: config.json, bert_config.json, pytorch_model.bin (both BERT
    prefixes) and model.safetensors (BERT once, as save_pretrained dedups). The Swift test
    copies one weight file at a time into a temp dir, so both formats are exercised."""
    folder = os.path.join(out, "tiny_hypencoder")
    os.makedirs(folder, exist_ok=True)
    state = tiny_hypencoder_state()
    save_bin(os.path.join(folder, "pytorch_model.bin"), state)
    deduped = {k: v.clone() for k, v in state.items() if not k.startswith("passage_encoder.")}
    save_file(deduped, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    os.chmod(os.path.join(folder, "model.safetensors"), 0o644)
    config = {
        "query_encoder_kwargs": {"model_name_or_path": "tiny", "converter_kwargs": {
            "vector_dimensions": TINY_DIMS, "activation_type": "relu", "do_residual_on_last": False}},
        "passage_encoder_kwargs": {"model_name_or_path": "tiny", "pooling_type": "cls"},
        "shared_encoder": True,
        "query_max_length": 8,
        "document_max_length": 8,
    }
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    with open(os.path.join(folder, "bert_config.json"), "w") as f:
        json.dump(TINY_BERT, f, indent=2)
        f.write("\n")


class Hostile:
    """Unpickling this runs `os.system(...)` in Python: the reader must refuse it."""

    def __reduce__(self):
        return (os.system, ("touch " + HOSTILE_MARKER,))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="Tests/Fixtures/weights")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    # Two names on one storage (as the official shared encoder), plus a row view into it.
    base = ramp(4, 3)
    shared = collections.OrderedDict()
    shared["query_encoder.transformer.w"] = base
    shared["passage_encoder.transformer.w"] = base
    shared["row2"] = base[2]
    write_case(args.out, "shared_storage", shared)

    # Non-contiguous views: a transpose, a strided column slice with an offset, a 3-d permute.
    matrix = ramp(3, 5, shift=0.5)
    cube = ramp(2, 3, 4, scale=0.25)
    views = collections.OrderedDict()
    views["matrix"] = matrix
    views["transposed"] = matrix.t()
    views["columns"] = matrix[1:, 1::2]
    views["cube"] = cube
    views["permuted"] = cube.permute(2, 0, 1)
    write_case(args.out, "noncontiguous", views)

    # F16: normals, subnormals (smallest and largest), signed zeros, infinities, NaN.
    special = torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 6.1035156e-05, 5.9604645e-08,
                            6.0975552e-05, -5.9604645e-08, float("inf"), float("-inf"), float("nan")],
                           dtype=torch.float16)
    halves = collections.OrderedDict()
    halves["special"] = special
    halves["ramp"] = ramp(2, 4, scale=0.001, dtype=torch.float16)
    write_case(args.out, "float16", halves, safetensors_state=dict(halves))

    # BF16 likewise.
    bspecial = torch.tensor([0.0, -0.0, 1.0, -3.0e38, 1.0e-38, 9.2e-41, float("inf"), float("nan")],
                            dtype=torch.bfloat16)
    bhalves = collections.OrderedDict()
    bhalves["special"] = bspecial
    bhalves["ramp"] = ramp(3, 2, scale=0.01, dtype=torch.bfloat16)
    write_case(args.out, "bfloat16", bhalves, safetensors_state=dict(bhalves))

    # A real module's state dict: OrderedDict with _metadata, Linear, LayerNorm, an
    # embedding, and an int64 buffer that readers must skip.
    torch.manual_seed(0)

    class Small(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(5, 4)
            self.dense = torch.nn.Linear(4, 3)
            self.norm = torch.nn.LayerNorm(3)
            self.register_buffer("position_ids", torch.arange(6).unsqueeze(0))

    module = Small()
    with torch.no_grad():
        for index, parameter in enumerate(module.parameters()):
            parameter.copy_(ramp(*parameter.shape, scale=0.0625, shift=index * 0.01))
    state = module.state_dict()
    assert hasattr(state, "_metadata")
    write_case(args.out, "module_state", state,
               safetensors_state={k: v.contiguous() for k, v in state.items()})

    write_tiny_hypencoder(args.out)

    # Hostile: a state dict holding an object whose unpickling calls os.system.
    hostile = collections.OrderedDict()
    hostile["weight"] = ramp(2, 2)
    hostile["payload"] = Hostile()
    buffer = io.BytesIO()
    torch.save(hostile, buffer)
    with open(os.path.join(args.out, "hostile_os_system.bin"), "wb") as f:
        f.write(fixed_zip(buffer.getvalue()))


if __name__ == "__main__":
    main()
