#!/usr/bin/env python3
"""Ingestion over the cores: one client adding abstracts as text to hypencoderd (issue 11).

Issue 11's figure: "One client adding 1,000 abstracts as text (batches of 32): >= 1.6x faster
than the same daemon confined to one core (`taskset -c 0`), and >= 1.0x sentence-transformers'
documents/s for the same texts on the same cores."

Each round runs, back to back:
  (a) hypencoderd on every CPU this process may use (a fresh index in a temporary folder,
      `--log-level warn`, OPENBLAS_NUM_THREADS unset so the daemon's own default applies);
      server/status must report work.threads == that CPU count;
  (b) the same daemon under `taskset -c 0` (work.threads must be 1);
  (c) sentence-transformers on the backbone (all-MiniLM-L6-v2): mean pooling, max_seq_length =
      the Hypencoder model's document_max_length (config.json), torch.set_num_threads(CPUs),
      encode(texts, batch_size=32).
A daemon is timed from the first index/add of the measured documents to the reply to the last
one (one client, one connection, one request at a time, {"documents": [{"id", "text"}, ...]}
of --batch each; a reply comes once the write-ahead log is fsync'ed). Start-up is not timed,
nor is the warm-up: after server/status answers, 32 of the texts are added to a separate
collection ("warmup", ids warm-0...) and that collection is dropped, so the timed adds start
on an empty default collection with the model, the thread pools and the allocator warm.
sentence-transformers gets the same: model loading is not timed and one encode of 32 texts
goes first. It prints documents/s per round, the ratios all-cores/one-core (target >= 1.6) and
all-cores/sentence-transformers (target >= 1.0) with met / NOT met, and the medians over rounds.

Document text is title + " " + text, exactly as Tools/train/beir_data.py:document_text (and the
Swift `rank` command) build it, so all three encode byte-identical strings.

    swift build -c release && Scripts/default-model && Scripts/python-env
    .venv/bin/pip install -r Benchmarks/requirements.txt      # sentence-transformers
    .venv/bin/python Benchmarks/ingest_scaling.py [--corpus Data/scifact/corpus.jsonl]
        [--documents 1000] [--batch 32] [--rounds 1] [--model DIR] [--backbone DIR] [--daemon PATH]

The corpus is any BEIR corpus.jsonl ({"_id", "title", "text"} per line; the first --documents
lines are used). The default, Data/scifact/corpus.jsonl, is SciFact's 5,183 abstracts, in the
repository (Data/scifact/README.md: source and checksums). SciFact is also published by BEIR,
https://public.ukp.informatik.tu-darmstadt.de/thakur/BEIR/datasets/scifact.zip (its
corpus.jsonl). Licence: CC BY-NC 2.0, non-commercial: evaluation and tests only.
"""

import argparse
import json
import os
import pathlib
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY / "Tools" / "train"))
from beir_data import document_text  # noqa: E402  (stdlib only: the string every system encodes)

TARGETS = {"all cores / one core": 1.6, "all cores / sentence-transformers": 1.0}
START_TIMEOUT = 120   # seconds for a daemon to load its model and answer server/status
CALL_TIMEOUT = 600    # seconds for any one reply


class Failure(Exception):
    """A measurement that cannot be trusted or did not happen; the message says why."""


def machine():
    """lscpu's model name and CPU count (falls back on /proc/cpuinfo without lscpu)."""
    fields = {}
    try:
        listing = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in listing.splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    except (OSError, subprocess.CalledProcessError):
        cpuinfo = pathlib.Path("/proc/cpuinfo").read_text()
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")]
        fields = {"Model name": names[0] if names else "?", "CPU(s)": str(len(names))}
    return fields.get("Model name", "?"), fields.get("CPU(s)", "?")


def load_documents(path, count):
    documents = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if len(documents) == count:
                break
            if line.strip():
                row = json.loads(line)
                documents.append((str(row["_id"]), document_text(row)))
    if len(documents) < count:
        raise Failure(f"{path} has {len(documents)} documents, fewer than --documents {count}")
    return documents


class Connection:
    """JSON-RPC 2.0 over the daemon's socket, newline-delimited framing, one call at a time."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(CALL_TIMEOUT)
        self.sock.connect(path)
        self.buffer, self.next_id = b"", 1

    def call(self, method, params=None):
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        self.next_id += 1
        self.sock.sendall(json.dumps(message).encode() + b"\n")
        while True:
            line, newline, rest = self.buffer.partition(b"\n")
            if not newline:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    raise Failure(f"{method}: the daemon closed the connection")
                self.buffer += chunk
                continue
            self.buffer = rest
            reply = json.loads(line)
            if "method" in reply:  # a notification ($/progress ...)
                continue
            if reply.get("id") != message["id"]:
                raise Failure(f"{method}: reply to id {reply.get('id')!r}, expected {message['id']}")
            if "error" in reply:
                raise Failure(f"{method}: error {reply['error']}")
            return reply["result"]

    def close(self):
        self.sock.close()


class Daemon:
    """One hypencoderd with a fresh index in its own temporary folder; always killed and removed."""

    def __init__(self, executable, model, prefix=(), environment=None):
        self.folder = pathlib.Path(tempfile.mkdtemp(prefix="hcingest.", dir="/tmp"))  # socket path < 108 bytes
        self.socket_path = str(self.folder / "s.sock")
        self.log_path = self.folder / "daemon.log"
        self.process = None
        env = dict(os.environ)
        env.pop("OPENBLAS_NUM_THREADS", None)  # the daemon's default (1): it splits work over --threads itself
        env.pop("HYPENCODER_MODEL", None)
        env.update(environment or {})
        command = [*prefix, str(executable), "--model", str(model), "--index", str(self.folder / "index"),
                   "--socket", self.socket_path, "--log-level", "warn"]
        try:
            with open(self.log_path, "wb") as log:
                self.process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                                                stdout=subprocess.DEVNULL, stderr=log)
            self.connection = self._connect()
        except BaseException:
            self.close()
            raise

    def _connect(self):
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise Failure(f"hypencoderd exited with status {self.process.returncode} at start; "
                              f"log:\n{self.log_tail()}")
            try:
                connection = Connection(self.socket_path)
                self.status = connection.call("server/status")
                return connection
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    raise Failure(f"hypencoderd did not answer within {START_TIMEOUT} s; log:\n{self.log_tail()}")
                time.sleep(0.05)

    def log_tail(self):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "(no log)"

    def close(self):
        if getattr(self, "connection", None) is not None:
            self.connection.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def batches(documents, size):
    for start in range(0, len(documents), size):
        yield [{"id": identifier, "text": text} for identifier, text in documents[start:start + size]]


def daemon_rate(options, documents, expected_threads, prefix=()):
    """Documents/s of one client adding `documents` in batches through a fresh daemon."""
    daemon = Daemon(options.daemon, options.model, prefix)
    try:
        threads = daemon.status["work"].get("threads")
        where = " ".join(prefix) or "no affinity restriction"
        if threads != expected_threads:
            raise Failure(f"hypencoderd ({where}) reports work.threads = {threads}, expected {expected_threads}: "
                          "the daemon does not size its pool from its CPU affinity (or this is an older build)")
        connection = daemon.connection
        warm = [{"id": f"warm-{n}", "text": text} for n, (_, text) in enumerate(documents[:32])]
        connection.call("index/add", {"collection": "warmup", "documents": warm})
        connection.call("collection/drop", {"collection": "warmup"})

        started = time.perf_counter()
        for batch in batches(documents, options.batch):
            result = connection.call("index/add", {"documents": batch})
            if result.get("added", 0) + result.get("updated", 0) != len(batch):
                raise Failure(f"index/add of {len(batch)} documents answered {result}")
        seconds = time.perf_counter() - started
        stored = connection.call("index/stats")["documents"]
        if stored != len(documents):
            raise Failure(f"the index holds {stored} documents after adding {len(documents)}")
        return len(documents) / seconds, threads
    finally:
        daemon.close()


class SentenceTransformers:
    def __init__(self, backbone, max_length, cpus):
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging
        transformers_logging.disable_progress_bar()  # no "Loading weights" bar in the report
        torch.set_num_threads(cpus)
        self.torch = torch
        self.model = SentenceTransformer(str(backbone), device="cpu")
        self.model.max_seq_length = max_length

    def rate(self, texts, batch):
        self.model.encode(texts[:32], batch_size=batch, show_progress_bar=False)  # warm-up, not timed
        started = time.perf_counter()
        vectors = self.model.encode(texts, batch_size=batch, show_progress_bar=False)
        seconds = time.perf_counter() - started
        assert len(vectors) == len(texts)
        return len(texts) / seconds


def verdict(ratio, target):
    return "met" if ratio >= target else "NOT met"


def report_ratios(label, all_cores, one_core, reference):
    ratios = {"all cores / one core": all_cores / one_core,
              "all cores / sentence-transformers": all_cores / reference}
    for name, ratio in ratios.items():
        print(f"  {label}{name}: {ratio:.2f}x (target >= {TARGETS[name]}: {verdict(ratio, TARGETS[name])})")
    return ratios


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default=str(REPOSITORY / "Data" / "scifact" / "corpus.jsonl"),
                        help="a BEIR corpus.jsonl (default: SciFact in Data/scifact)")
    parser.add_argument("--documents", type=int, default=1000, help="the first N documents (default 1000)")
    parser.add_argument("--batch", type=int, default=32, help="documents per index/add and per encode batch")
    parser.add_argument("--model", default=str(REPOSITORY / ".build" / "models" / "hypencoder-default"))
    parser.add_argument("--backbone", default=str(REPOSITORY / ".build" / "models" / "all-MiniLM-L6-v2"),
                        help="the encoder sentence-transformers loads (the model's backbone)")
    parser.add_argument("--daemon", default=str(REPOSITORY / ".build" / "release" / "hypencoderd"))
    parser.add_argument("--rounds", type=int, default=1)
    options = parser.parse_args()
    if options.documents < 1 or options.batch < 1 or options.rounds < 1:
        parser.error("--documents, --batch and --rounds must be positive")
    # SIGTERM ends the run through the same finally blocks as an exception or ^C.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))

    try:
        if not os.access(options.daemon, os.X_OK):
            raise Failure(f"no hypencoderd at {options.daemon}: swift build -c release")
        if shutil.which("taskset") is None:
            raise Failure("taskset not found (util-linux): it confines the one-core run")
        max_length = json.loads((pathlib.Path(options.model) / "config.json").read_text())["document_max_length"]
        cpus = len(os.sched_getaffinity(0))
        model_name, cpu_count = machine()
        print(f"lscpu: {model_name}, {cpu_count} CPUs; this process may use {cpus}")
        if cpus < 2:
            print("warning: one CPU available, so the all-cores and one-core runs are the same")
        documents = load_documents(options.corpus, options.documents)
        texts = [text for _, text in documents]
        print(f"{len(documents)} documents from {options.corpus}, batches of {options.batch}, "
              f"{options.rounds} round(s); document_max_length {max_length}")
        reference = SentenceTransformers(options.backbone, max_length, cpus)

        rounds = []
        for number in range(1, options.rounds + 1):
            all_cores, threads = daemon_rate(options, documents, cpus)
            one_core, _ = daemon_rate(options, documents, 1, prefix=("taskset", "-c", "0"))
            st = reference.rate(texts, options.batch)
            rounds.append((all_cores, one_core, st))
            print(f"round {number}: hypencoderd all cores ({threads} threads) {all_cores:.1f} docs/s; "
                  f"taskset -c 0 (1 thread) {one_core:.1f} docs/s; "
                  f"sentence-transformers ({cpus} torch threads) {st:.1f} docs/s", flush=True)
            report_ratios("", all_cores, one_core, st)

        medians = [statistics.median(column) for column in zip(*rounds)]
        print(f"median over {len(rounds)} round(s): hypencoderd all cores {medians[0]:.1f} docs/s; "
              f"one core {medians[1]:.1f} docs/s; sentence-transformers {medians[2]:.1f} docs/s")
        for name, index in (("all cores / one core", 1), ("all cores / sentence-transformers", 2)):
            ratio = statistics.median(r[0] / r[index] for r in rounds)
            print(f"  median {name}: {ratio:.2f}x (target >= {TARGETS[name]}: {verdict(ratio, TARGETS[name])})")
    except Failure as failure:
        print(f"ingest_scaling: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
