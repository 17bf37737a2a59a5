#!/usr/bin/env python3
"""Query encoding through the socket: hypencoderd's `encode/query` against PyTorch (issue 11).

Issue 11's figure: "query encoding (16-token query with the 6-layer hyperhead) <= 0.7x
PyTorch's time". ModelBenchmarks --query-only measures the engine in process; this measures
what a client sees: one connection, one `encode/query` at a time, the round trip timed from
sending the request to reading the reply (tokenizing, the encoder, the hyperhead, JSON).

Each round runs, back to back, on the same 16-token text:
  (a) hypencoderd with the given model (default: the bert-base sized random model that
      Scripts/make-test-models builds), OPENBLAS_NUM_THREADS unset (the daemon's default);
  (b) the same daemon with HYPENCODER_FEW_ROWS_GEMM=off (every product in SGEMM, as before the
      few-row kernel), to show what the kernel is worth;
  (c) the PyTorch reference (Tools/reference/hypencoder_ref.py: transformers' BertModel, eager,
      float32) on the same weights with as many torch threads as the daemon has cores:
      tokenize + encode + hyperhead, the same work as (a) without the socket.
Each is the median of --repeats calls after 3 untimed ones. It prints the medians per round,
the ratios (a)/(c) (target <= 0.7) and (a)/(b), and their medians over the rounds.

    swift build -c release && Scripts/make-test-models
    .venv/bin/python Benchmarks/query_latency.py [--rounds 5] [--repeats 21] [--model DIR] [--daemon PATH]
"""

import argparse
import os
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "Benchmarks"))
sys.path.insert(0, str(ROOT / "Tools" / "reference"))
from ingest_scaling import Daemon, Failure, machine  # noqa: E402

WORDS = ("how does the immune system respond to a viral infection in the lungs of older "
         "patients with chronic disease").split()


def query_text(model, tokens):
    """The shortest prefix of WORDS that the model's tokenizer turns into `tokens` ids."""
    for count in range(1, len(WORDS) + 1):
        text = " ".join(WORDS[:count])
        if len(model.tokenize([text], 512)[0]) == tokens:
            return text
    raise Failure(f"no prefix of the query words has {tokens} tokens")


def median_ms(repeats, body):
    for _ in range(3):
        body()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def daemon_ms(options, text, environment=None):
    daemon = Daemon(options.daemon, options.model, environment=environment)
    try:
        threads = daemon.status["work"].get("threads")
        if threads != os.cpu_count() and threads != len(os.sched_getaffinity(0)):
            raise Failure(f"the daemon runs {threads} threads, not one per CPU")
        return median_ms(options.repeats, lambda: daemon.connection.call("encode/query", {"text": text}))
    finally:
        daemon.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--tokens", type=int, default=16, help="query length with [CLS] and [SEP]")
    parser.add_argument("--model", default=str(ROOT / ".build/fixtures/models/base6-safetensors"))
    parser.add_argument("--daemon", default=str(ROOT / ".build/release/hypencoderd"))
    options = parser.parse_args()
    import torch
    from hypencoder_ref import HypencoderReference

    cores = len(os.sched_getaffinity(0))
    torch.set_num_threads(cores)
    reference = HypencoderReference.load(options.model)
    text = query_text(reference, options.tokens)
    name, cpus = machine()
    print(f"{name}, {cpus} CPUs; torch {torch.__version__} with {torch.get_num_threads()} threads; "
          f"query {text!r} ({options.tokens} tokens); model {options.model}")

    def torch_query():
        with torch.no_grad():
            reference.qnets_from_ids(reference.tokenize([text], 512))

    ours, sgemm, pytorch = [], [], []
    for round_number in range(1, options.rounds + 1):
        ours.append(daemon_ms(options, text))
        sgemm.append(daemon_ms(options, text, {"HYPENCODER_FEW_ROWS_GEMM": "off"}))
        pytorch.append(median_ms(options.repeats, torch_query))
        print(f"round {round_number}: hypencoderd {ours[-1]:.1f} ms, with SGEMM only {sgemm[-1]:.1f} ms, "
              f"PyTorch {pytorch[-1]:.1f} ms; ours/PyTorch {ours[-1] / pytorch[-1]:.2f}, "
              f"kernel/SGEMM {ours[-1] / sgemm[-1]:.2f}")
    to_torch = statistics.median(a / c for a, c in zip(ours, pytorch))
    to_sgemm = statistics.median(a / b for a, b in zip(ours, sgemm))
    print(f"median over {options.rounds} rounds: hypencoderd/PyTorch {to_torch:.2f} "
          f"({'met' if to_torch <= 0.7 else 'NOT met'}, target <= 0.7); with the kernel / SGEMM only {to_sgemm:.2f}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as failure:
        print(f"query_latency: {failure}", file=sys.stderr)
        sys.exit(1)
