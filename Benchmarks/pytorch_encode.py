"""PyTorch timings of the same work as Benchmarks/ModelBenchmarks, so ratios can be quoted.

    .venv/bin/python Benchmarks/pytorch_encode.py [--quick] [--query-only] [--model DIR]

Uses the reference implementation (Tools/reference/hypencoder_ref.py: transformers.BertModel,
eager attention, float32) on the same weights, with two threads like the Swift engine:
(a) a random 6-layer 768-wide q-net scoring 100,000 random 768-d documents (whole matrix at
once, as the authors' code does, and in blocks of 1024); (b) query encoding (16 tokens,
hyperhead included) and document encoding (32 × 200 tokens). Medians of repeated runs.
--query-only runs the query line alone, like ModelBenchmarks --query-only, so that rounds of
the two can be interleaved.
"""
import argparse
import os
import statistics
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tools", "reference"))
from hypencoder_ref import HypencoderReference, QNet  # noqa: E402


def median_seconds(repeats: int, body) -> float:
    body()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer documents and repeats (smoke run)")
    parser.add_argument("--query-only", action="store_true", help="only the query encoding line (b)")
    parser.add_argument("--model", default=os.path.join(ROOT, ".build/fixtures/models/base6-safetensors"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    generator = torch.Generator().manual_seed(1)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")

    model = HypencoderReference.load(args.model)
    if args.query_only:
        return encode(model, args, generator, documents=False)
    # (a) q-net scoring with the reference's apply_qnet (ReLU, residuals, parameter-free LN).
    width, layers = 768, 6
    count = 20_000 if args.quick else 100_000
    repeats = 3 if args.quick else 7
    weights = [torch.empty(width, width).uniform_(-1, 1, generator=generator) / width ** 0.5
               for _ in range(layers)] + [torch.empty(1, width).uniform_(-1, 1, generator=generator)]
    biases = [torch.empty(width).uniform_(-1, 1, generator=generator) for _ in range(layers)]
    net = QNet(weights, biases)
    documents = torch.empty(count, width).uniform_(-1, 1, generator=generator)
    flop = 2 * (layers * width * width + width) * count
    if model.settings.hidden_layers != layers or model.settings.do_residual_on_last:
        print(f"note: {args.model} has {model.settings.hidden_layers} q-net layers; "
              "scoring uses the model's residual settings")
    with torch.no_grad():
        whole = median_seconds(repeats, lambda: model.apply_qnet(net, documents))
        blocked = median_seconds(repeats, lambda: [model.apply_qnet(net, documents[i:i + 1024])
                                                   for i in range(0, count, 1024)])
    print(f"(a) q-net scoring, {count} documents: whole matrix median {whole * 1000:.1f} ms "
          f"({flop / whole / 1e9:.1f} GFLOP/s); blocks of 1024 median {blocked * 1000:.1f} ms "
          f"({flop / blocked / 1e9:.1f} GFLOP/s)")

    return encode(model, args, generator, documents=True)


def encode(model, args, generator, documents: bool) -> int:
    """(b): the query line, then (with `documents`) the document line."""
    vocabulary = model.bert.config.vocab_size

    def random_ids(length: int) -> list[int]:
        middle = torch.randint(1000, vocabulary, (length - 2,), generator=generator).tolist()
        return [101] + middle + [102]

    query = random_ids(16)
    latency = median_seconds(5 if args.quick else 21, lambda: model.qnets_from_ids([query]))
    print(f"(b) query (16 tokens, {model.settings.hidden_layers}-layer hyperhead): median {latency * 1000:.1f} ms")
    if not documents:
        return 0
    batch = [random_ids(200) for _ in range(32)]
    latency = median_seconds(2 if args.quick else 5, lambda: model.document_vectors_from_ids(batch))
    print(f"    documents (32 × 200 tokens): median {latency * 1000:.1f} ms, {32 / latency:.1f} docs/s, "
          f"{32 * 200 / latency:.0f} tokens/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
