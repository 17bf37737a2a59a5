#!/usr/bin/env python3
"""Soak: hours of mixed load on one hypencoderd, watching memory, replies and durability (issue 15).

Not a timed test but a benchmark-style program. For `--minutes` it runs `--workers` client
threads, each on its own connection (NDJSON or LSP framing, alternately), doing searches (exact
and approximate, with and without text), index/add of short texts and of precomputed vectors
(upserts included), index/delete, index/get, `$/cancelRequest` of in-flight searches and adds,
a few invalid params, and side connections that vanish: half a message then close, a request
then close before the reply, a half-close (replies must still come), a connect-and-go. One more
thread runs index/checkpoint, index/compact and a side collection that is filled and dropped.

What it checks:
- every reply is well-formed: JSON, jsonrpc "2.0", the id sent, exactly one of result/error,
  an integer error code with a message, and (with jsonschema, Tests/python/requirements.txt)
  the published schema for the method (Tests/python/response_schema.py);
- no acknowledged write is lost. Each id belongs to one worker, which writes it sequentially,
  so after every acknowledged add/delete the id's state is known. A write that was cancelled,
  timed out or sent on a vanishing connection is in doubt: the id may hold the old or the new
  value, and is not written again until a read after a 30 s quarantine settles it. index/get
  (periodically and at the end), add/delete counts and search hits of the worker's own ids are
  compared with this shadow; with our own daemon, it is then killed with SIGKILL, restarted on
  the same index, and every acknowledged write must still be there;
- memory stays flat: ids come from a fixed pool (prefilled to 60%, deletes keep it near 70%),
  so the live data is bounded and any RSS growth is the daemon's, not the corpus's.

Every `--interval` seconds it prints ops/s and p50/p99 latency by kind, the daemon's RSS
(median and max of 2 s samples), documents/slots and open connections; `--out FILE` gets the
series, the RSS samples and the summary as JSON, and FILE.daemon.log the daemon's log. RSS growth
compares the median over a window after the first (warm-up) interval with the median over the
last window (see the comment in soak()). Exit status 1 if it grew by 5% or more, if any reply
was malformed, or if any acknowledged write was lost (or the daemon died or did not stop cleanly).

    nice -n 10 .venv/bin/python Benchmarks/soak.py --minutes 60 --out /tmp/soak.json
    nice -n 10 .venv/bin/python Benchmarks/soak.py --minutes 1 --interval 15   # a quick look
"""

import argparse, base64, itertools, json, pathlib, random, shutil, socket, statistics
import struct, subprocess, sys, tempfile, threading, time

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY / "Tests" / "python"))
from daemon_process import DaemonProcess  # noqa: E402  (starts the daemon, waits for READY=1)
try:
    from response_schema import ResponseSchema, SchemaViolation
except ImportError:  # no jsonschema: envelope checks only
    ResponseSchema = None
QUARANTINE = 30.0          # seconds an id with an in-doubt write is left alone
EXPECTED = {"cancel.search": -32800, "cancel.add": -32800, "invalid": -32602, "setup": -32602}
LOCK = threading.Lock()


class Stats:
    def __init__(self):
        self.latencies, self.totals, self.errors = {}, {}, {}
        self.malformed, self.lost, self.unexpected, self.slow = [], [], [], 0

    def record(self, kind, seconds, code=None):
        with LOCK:
            self.latencies.setdefault(kind, []).append(seconds)
            self.totals[kind] = self.totals.get(kind, 0) + 1
            if code is not None:
                self.errors[(kind, code)] = self.errors.get((kind, code), 0) + 1
            self.slow += seconds > 5

    def note(self, where, text):
        with LOCK:
            where.append(text)
            if len(where) <= 5:
                print(f"  !! {text}", flush=True)

    def take(self):
        with LOCK:
            taken, self.latencies = self.latencies, {}
            return taken


STATS = Stats()
SCHEMA = ResponseSchema() if ResponseSchema else None


def envelope_problem(message, sent_id):
    if not isinstance(message, dict):
        return "not a JSON object"
    if message.get("jsonrpc") != "2.0":
        return "jsonrpc is not \"2.0\""
    if message.get("id", object()) != sent_id or type(message.get("id")) is not type(sent_id):
        return f"id {message.get('id')!r} is not the id sent ({sent_id!r})"
    if ("result" in message) == ("error" in message) or set(message) - {"jsonrpc", "id", "result", "error"}:
        return f"not exactly one of result/error: members {sorted(message)}"
    error = message.get("error", {"code": 0, "message": "-"})
    if not isinstance(error, dict) or type(error.get("code")) is not int or not isinstance(error.get("message"), str):
        return "error without an integer code and a message"
    return None


def reject_constant(name):
    raise ValueError(f"{name} is not JSON")


class Broken(Exception):
    """The connection closed, timed out or sent a malformed reply: the call's outcome is unknown."""


class Connection:
    def __init__(self, path, framing, timeout):
        self.framing, self.buffer, self.ids = framing, b"", itertools.count(1)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)

    def frame(self, message):
        body = json.dumps(message).encode()
        return body + b"\n" if self.framing == "ndjson" else b"Content-Length: %d\r\n\r\n" % len(body) + body

    def request(self, method, params=None):
        message = {"jsonrpc": "2.0", "id": next(self.ids), "method": method}
        if self.framing == "lsp":
            message["id"] = f"r{message['id']}"  # string ids on one framing, numbers on the other
        if params is not None:
            message["params"] = params
        return message

    def body(self):
        while True:
            if self.framing == "ndjson":
                line, newline, rest = self.buffer.partition(b"\n")
                if newline:
                    self.buffer = rest
                    return line
            else:
                header, blank, rest = self.buffer.partition(b"\r\n\r\n")
                if blank:
                    length = int(header.split(b":", 1)[1])
                    if len(rest) >= length:
                        self.buffer = rest[length:]
                        return rest[:length]
            try:
                chunk = self.sock.recv(1 << 16)
            except OSError as error:  # timeout or reset
                raise Broken(f"recv: {error!r}")
            if not chunk:
                raise Broken("connection closed by the daemon")
            self.buffer += chunk

    def call(self, method, params=None, cancel_after=None):
        """Sends one request (cancelling it after `cancel_after` s if given); returns the reply."""
        message = self.request(method, params)
        try:
            self.sock.sendall(self.frame(message))
            if cancel_after is not None:
                time.sleep(cancel_after)
                self.sock.sendall(self.frame({"jsonrpc": "2.0", "method": "$/cancelRequest",
                                              "params": {"id": message["id"]}}))
        except OSError as error:
            raise Broken(f"send: {error!r}")
        while True:
            raw = self.body()
            try:
                reply = json.loads(raw, parse_constant=reject_constant)  # NaN is not JSON
            except ValueError:
                reply = None
            if isinstance(reply, dict) and "method" in reply and "id" not in reply:
                problem = None if reply["method"] == "$/progress" else "unexpected notification"
            else:
                problem = "not JSON" if reply is None else envelope_problem(reply, message["id"])
            if problem is None and SCHEMA is not None:
                try:
                    SCHEMA.check(method, reply)
                except SchemaViolation as violation:
                    problem = str(violation)[:300]
            if problem:
                STATS.note(STATS.malformed, f"{method}: {problem}: {raw[:200]!r}")
                raise Broken("malformed reply")
            if "id" in reply:
                return reply

    def close(self):
        self.sock.close()


def load_texts(path, limit, words):
    """Short texts: the first `words` words of SQuAD dev paragraphs (Data/squad-dev)."""
    texts = []
    with open(path) as lines:
        for line in itertools.islice(lines, limit):
            texts.append(" ".join(json.loads(line)["text"].split()[:words]))
    return texts


class Worker(threading.Thread):
    """One client; owns the ids w<n>-<i> and keeps their shadow state."""

    def __init__(self, n, options, corpus, vectors):
        super().__init__(daemon=True)
        self.n, self.o, self.corpus, self.vectors = n, options, corpus, vectors
        self.rng = random.Random(options.seed * 1000 + n)
        self.framing = "ndjson" if n % 2 == 0 else "lsp"
        self.ids = [f"w{n}-{i:05d}" for i in range(options.pool // options.workers)]
        self.allowed = {i: {None} for i in self.ids}      # values a read may see now (None: absent)
        self.after_crash = {i: {None} for i in self.ids}  # ... and after a SIGKILL and restart
        self.quarantine, self.revision, self.connection = {}, 0, None
        self.prefilled = threading.Event()

    # -- shadow --
    def text(self, document_id):
        self.revision += 1
        return f"{self.rng.choice(self.corpus['documents'])} [{document_id} r{self.revision}]"

    def writable(self, count, present=None):
        now = time.monotonic()
        pool = [i for i in self.ids if self.quarantine.get(i, 0) < now and len(self.allowed[i]) == 1
                and (present is None or (None not in self.allowed[i]) == present)]
        return self.rng.sample(pool, min(count, len(pool)))

    def settle(self, changes, acknowledged):
        for document_id, value in changes.items():
            if acknowledged:
                self.allowed[document_id], self.after_crash[document_id] = {value}, {value}
            else:
                self.allowed[document_id].add(value)
                self.after_crash[document_id].add(value)
                self.quarantine[document_id] = time.monotonic() + QUARANTINE

    def observe(self, document_id, value, where, allowed=None):
        allowed = self.allowed if allowed is None else allowed
        if value not in allowed[document_id]:
            shown = sorted(repr(v)[-24:] for v in allowed[document_id])
            STATS.note(STATS.lost, f"{where}: {document_id} is {repr(value)[-24:]}, expected one of {shown}")
        elif len(self.allowed[document_id]) > 1 and self.quarantine.get(document_id, 0) < time.monotonic():
            self.allowed[document_id] = {value}  # settled by reading; after_crash keeps both

    # -- requests --
    def call(self, kind, method, params=None, cancel_after=None, changes=None):
        """One request on the worker's connection; returns the result or None, settles writes."""
        started = time.monotonic()
        try:
            if self.connection is None:
                self.connection = Connection(self.o.socket, self.framing, self.o.timeout)
            reply = self.connection.call(method, params, cancel_after)
        except (Broken, OSError) as error:
            STATS.record(kind, time.monotonic() - started, "broken")
            STATS.note(STATS.unexpected, f"{kind}: {error}")
            if self.connection:
                self.connection.close()
            self.connection = None
            self.settle(changes or {}, False)
            return None
        code = reply["error"]["code"] if "error" in reply else None
        STATS.record(kind, time.monotonic() - started, code)
        if code is not None and code != EXPECTED.get(kind):
            STATS.note(STATS.unexpected, f"{kind}: error {code} {reply['error']['message'][:200]}")
        self.settle(changes or {}, code is None)
        return reply.get("result")

    def add(self, kind, documents, cancel_after=None):
        before = {d["id"]: self.allowed[d["id"]] for d in documents}
        changes = {d["id"]: d["text"] for d in documents}
        result = self.call(kind, "index/add", {"documents": documents}, cancel_after, changes)
        if result is not None:
            expected_updated = sum(None not in values for values in before.values())
            if (result["added"], result["updated"]) != (len(documents) - expected_updated, expected_updated):
                STATS.note(STATS.lost, f"{kind}: {result} for {len(documents)} ids of which "
                                       f"{expected_updated} were present")

    def vector_documents(self, ids):
        documents = []
        for document_id in ids:
            base = self.rng.choice(self.vectors)
            values = [x + self.rng.gauss(0, 0.02) for x in base]
            documents.append({"id": document_id, "text": self.text(document_id),
                              "vector": base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()})
        return documents

    def search(self, kind, approximate, cancel_after=None):
        include = self.rng.random() < 0.5
        params = {"query": self.rng.choice(self.corpus["queries"]), "k": self.rng.choice([1, 10, 50])}
        if approximate:
            params["mode"] = "approximate"
        if include:
            params["include"] = ["text"]
        result = self.call(kind, "search", params, cancel_after)
        for hit in (result or {}).get("results", []):
            if hit["id"] not in self.allowed:
                continue  # another worker's document
            if include:
                self.observe(hit["id"], hit.get("text"), f"{kind} hit")
            elif self.allowed[hit["id"]] == {None}:
                STATS.note(STATS.lost, f"{kind}: hit {hit['id']}, which was deleted")

    def verify(self, ids, allowed=None, kind="get"):
        for start in range(0, len(ids), 1000):
            chunk = ids[start:start + 1000]
            result = self.call(kind, "index/get", {"ids": chunk, "include": ["text"]})
            if result is None:
                return False
            for document_id, document in zip(chunk, result["documents"]):
                self.observe(document_id, document and document.get("text"), kind, allowed)
        return True

    def vanish(self):
        """A side connection that goes away: half a message, a request then close, half-close, nothing."""
        variant = self.rng.choice(["half", "close", "close-add", "half-close", "idle"])
        started, changes = time.monotonic(), {}
        try:
            side = Connection(self.o.socket, self.rng.choice(["ndjson", "lsp"]), self.o.timeout)
            query = {"query": self.rng.choice(self.corpus["queries"]), "k": 10}
            if variant == "close-add":
                documents = self.vector_documents(self.writable(self.rng.randint(1, 5)))
                changes = {d["id"]: d["text"] for d in documents}
                self.settle(changes, False)  # in doubt from the moment it is sent
                data = side.frame(side.request("index/add", {"documents": documents})) if documents else b""
            else:
                data = side.frame(side.request("search", query)) if variant != "idle" else b""
            if variant == "half-close":
                side.sock.sendall(data)
                side.sock.shutdown(socket.SHUT_WR)
                raw = side.body()  # the reply to our one request (id 1 or "r1") must still come
                reply = json.loads(raw)
                problem = envelope_problem(reply, 1 if side.framing == "ndjson" else "r1")
                if problem:
                    STATS.note(STATS.malformed, f"half-close: {problem}: {raw[:200]!r}")
            else:
                side.sock.sendall(data[:len(data) // 2] if variant == "half" else data)
            side.close()
            STATS.record("vanish", time.monotonic() - started)
        except (Broken, OSError, ValueError) as error:
            STATS.record("vanish", time.monotonic() - started, "broken")
            STATS.note(STATS.unexpected, f"vanish/{variant}: {error!r}")

    def run(self):
        try:
            self.work()
        except Exception as error:  # a bug here, not in the daemon; still fails the run
            STATS.note(CRASHED, f"worker {self.n}: {error!r}")
            raise
        finally:
            self.prefilled.set()

    def work(self):
        # Start from a known state even on an index of our own from an earlier run (--socket).
        self.call("setup", "index/delete", {"ids": self.ids}, changes=dict.fromkeys(self.ids))
        initial = self.rng.sample(self.ids, int(0.6 * len(self.ids)))
        for start in range(0, len(initial), 250):
            self.add("prefill", self.vector_documents(initial[start:start + 250]))
        self.prefilled.set()
        next_full_check = time.monotonic() + self.o.verify_every
        operations = {"search.exact": 30, "search.approx": 20, "add.text": 8, "add.vector": 12,
                      "delete": 10, "get": 5, "cancel.search": 3, "cancel.add": 3, "vanish": 5, "invalid": 1}
        kinds, weights = list(operations), list(operations.values())
        while not STOP.is_set():
            kind = self.rng.choices(kinds, weights)[0]
            present = sum(None not in v for v in self.allowed.values()) / len(self.ids)
            if kind in ("search.exact", "search.approx"):
                self.search(kind, kind == "search.approx")
            elif kind == "cancel.search":
                self.search(kind, self.rng.random() < 0.5, cancel_after=self.rng.uniform(0, 0.05))
            elif kind in ("add.text", "cancel.add"):
                ids = self.writable(self.rng.choice([1, 1, 2, 3]))
                documents = [{"id": i, "text": self.text(i)} for i in ids]
                if documents:
                    self.add(kind, documents, self.rng.uniform(0, 0.15) if kind == "cancel.add" else None)
            elif kind == "add.vector":
                self.add(kind, self.vector_documents(self.writable(self.rng.randint(5, 30))))
            elif kind == "delete":
                ids = self.writable(self.rng.randint(10, 40) if present > 0.7 else self.rng.randint(1, 5),
                                    present=True if self.rng.random() < 0.9 else None)
                before = sum(None not in self.allowed[i] for i in ids)
                result = self.call(kind, "index/delete", {"ids": ids}, changes=dict.fromkeys(ids)) if ids else None
                if result and (result["deleted"], result["notFound"]) != (before, len(ids) - before):
                    STATS.note(STATS.lost, f"delete: {result} for {len(ids)} ids of which {before} were present")
            elif kind == "get":
                self.verify(self.rng.sample(self.ids, 50))
            elif kind == "vanish":
                self.vanish()
            elif kind == "invalid":
                self.call(kind, "search", {"query": "k must be positive", "k": 0})
            if time.monotonic() > next_full_check:
                self.verify(self.ids, kind="verify")
                next_full_check = time.monotonic() + self.o.verify_every
            time.sleep(self.rng.uniform(0, self.o.think_ms / 1000))
        if self.connection:
            self.connection.close()
        self.connection = None


def maintain(options, vectors):
    """Checkpoints, compactions and a side collection filled, searched and dropped."""
    rng, side = random.Random(options.seed), set()
    helper = Worker(99, options, {"documents": ["side"], "queries": ["side"]}, vectors)
    helper.call("setup", "collection/drop", {"collection": "soak-side"})  # left by an earlier run?
    while not STOP.wait(rng.uniform(5, 15)):
        action = rng.choices(["checkpoint", "compact", "side"], [3, 1, 3])[0]
        if action != "side":
            helper.call(action, f"index/{action}")
        elif side is not None and len(side) < 100:
            documents = helper.vector_documents([f"s{rng.randrange(300)}" for _ in range(20)])
            for document in documents[:10]:
                del document["text"]  # vector-only documents
            params = {"collection": "soak-side", "documents": documents, "workDoneToken": f"t{rng.random()}"}
            result = helper.call("side.add", "index/add", params)
            side = side | {d["id"] for d in documents} if result and side is not None else None
            helper.call("side.search", "search", {"query": "side", "collection": "soak-side", "k": 5})
        else:
            result = helper.call("side.drop", "collection/drop", {"collection": "soak-side"})
            if result and side is not None and result["documents"] != len(side):
                STATS.note(STATS.lost, f"collection/drop: {result['documents']} documents, {len(side)} added")
            side = set()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def rss_bytes(pid, connection):
    if pid:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return connection.call("server/status")["result"]["memory"]["residentBytes"]


def drain_notifications(daemon):
    """Reads the daemon's STATUS= datagrams (DaemonProcess's NOTIFY_SOCKET), which it sends every
    few seconds: left unread, they fill the socket and the daemon logs a warning for each."""
    while daemon:
        try:
            daemon._notify.recv(4096, socket.MSG_DONTWAIT)
        except (BlockingIOError, socket.timeout):
            return


def report(monitor, elapsed, span, samples):
    """One interval: prints two lines, returns the point of the series."""
    stats = monitor.call("index/stats")["result"]
    status = monitor.call("server/status")["result"]
    kinds = {kind: {"count": len(v), "perSecond": len(v) / span, "p50Ms": percentile(v, 0.5) * 1000,
                    "p99Ms": percentile(v, 0.99) * 1000, "maxMs": max(v) * 1000}
             for kind, v in sorted(STATS.take().items())}
    rss = [r for t, r in samples if t > elapsed - span and r is not None] or [float("nan")]
    point = {"elapsed": elapsed, "rssBytes": statistics.median(rss), "rssMaxBytes": max(rss),
             "documents": stats["documents"], "slots": stats["slots"],
             "backgroundCompactions": stats.get("backgroundCompactions"),
             "connections": status["connections"]["open"], "ops": kinds,
             "malformed": len(STATS.malformed), "lost": len(STATS.lost), "unexpected": len(STATS.unexpected)}
    print(f"[{elapsed:6.0f}s] {sum(k['perSecond'] for k in kinds.values()):6.1f} ops/s  RSS "
          f"{point['rssBytes'] / 2**20:7.1f} MiB (max {point['rssMaxBytes'] / 2**20:.1f})  docs "
          f"{point['documents']} slots {point['slots']} bg-compactions {point['backgroundCompactions']}  "
          f"conns {point['connections']}  malformed {point['malformed']} lost {point['lost']} "
          f"unexpected {point['unexpected']}", flush=True)
    print("         " + "  ".join(f"{k} {v['perSecond']:.1f}/s {v['p50Ms']:.0f}/{v['p99Ms']:.0f}ms"
                                  for k, v in kinds.items()), flush=True)
    return point


STOP, CRASHED = threading.Event(), []


def main():
    """Parses the options and runs the soak; whatever happens, no daemon of ours outlives it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--interval", type=float, default=60, help="seconds between report lines")
    parser.add_argument("--workers", type=int, default=4, help="client threads (the machine has 2 cores)")
    parser.add_argument("--pool", type=int, default=4000, help="ids shared out among the workers")
    parser.add_argument("--think-ms", type=float, default=20, help="random pause after each op, up to")
    parser.add_argument("--verify-every", type=float, default=120, help="seconds between full index/get checks")
    parser.add_argument("--timeout", type=float, default=120, help="seconds a reply may take")
    parser.add_argument("--model", default=str(REPOSITORY / ".build" / "models" / "hypencoder-default"))
    parser.add_argument("--socket", help="attach to this daemon instead of starting one (no restart check)")
    parser.add_argument("--daemon-arg", action="append", default=[],
                        help="extra hypencoderd argument (repeatable: --daemon-arg=--workers --daemon-arg=3)")
    parser.add_argument("--no-restart", action="store_true", help="skip the SIGKILL and restart at the end")
    parser.add_argument("--rss-window", type=float, default=300, help="seconds of RSS samples compared")
    parser.add_argument("--out", help="write the series and the summary as JSON here")
    parser.add_argument("--seed", type=int, default=15)
    options, started = parser.parse_args(), []
    try:
        return soak(options, started)
    finally:
        for daemon in started:
            daemon.stop()  # kills it if still running (after an exception in soak)


def soak(options, started):
    print(f"soak: {options.minutes} min, {options.workers} workers, pool {options.pool} ids, "
          f"schema checks {'on' if SCHEMA else 'off (no jsonschema)'}", flush=True)

    daemon, scratch = None, tempfile.mkdtemp(prefix="hcsoak.", dir="/tmp")
    def start():
        started.append(DaemonProcess(["--model", options.model, "--index", f"{scratch}/index", *options.daemon_arg]))
        return started[-1]
    if not options.socket:
        daemon = start()
        options.socket = daemon.socket_path
    monitor = Connection(options.socket, "ndjson", options.timeout)
    corpus = {"documents": load_texts(REPOSITORY / "Data/squad-dev/corpus.jsonl", 2000, 24),
              "queries": load_texts(REPOSITORY / "Data/squad-dev/queries.jsonl", 2000, 20)}
    encoded = monitor.call("encode/documents", {"texts": corpus["documents"][:32], "encoding": "base64"})["result"]
    vectors = [struct.unpack(f"<{encoded['dimension']}f", base64.b64decode(v)) for v in encoded["vectors"]]
    workers = [Worker(n, options, corpus, vectors) for n in range(options.workers)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.prefilled.wait()
    STATS.take()
    threads = workers + [threading.Thread(target=maintain, args=(options, vectors), daemon=True)]
    threads[-1].start()
    logs = []

    began, series, samples, failed = time.monotonic(), [], [], []
    end = began + options.minutes * 60
    next_report = began + options.interval
    while time.monotonic() < end and not failed and not CRASHED:
        time.sleep(min(2.0, max(0.0, end - time.monotonic())))
        if daemon and daemon.process.poll() is not None:
            failed.append(f"the daemon exited with status {daemon.process.returncode}")
            break
        try:
            samples.append((time.monotonic() - began, rss_bytes(daemon and daemon.pid, monitor)))
            drain_notifications(daemon)
            if time.monotonic() >= next_report or time.monotonic() >= end:
                span = time.monotonic() - (next_report - options.interval)
                next_report += options.interval
                series.append(report(monitor, time.monotonic() - began, span, samples))
        except Broken as error:
            failed.append(f"monitor connection: {error}")
    STOP.set()
    for thread in threads:
        thread.join(options.timeout + 30)

    if not failed:  # the final check, on the running daemon, then after SIGKILL and a restart
        for worker in workers:
            if not worker.verify(worker.ids, kind="final"):
                failed.append(f"worker {worker.n}: the final index/get failed")
            worker.connection = worker.connection and worker.connection.close()
        if daemon and not options.no_restart:
            daemon.process.kill()
            daemon.process.wait()
            logs.append(daemon.log)
            daemon.stop()
            try:
                daemon = start()
            except AssertionError as error:  # no READY=1: the index did not reopen
                daemon = None
                failed.append(f"restart after SIGKILL: {str(error)[:3000]}")
            options.socket = daemon and daemon.socket_path
            for worker in workers if daemon else []:
                if not worker.verify(worker.ids, allowed=worker.after_crash, kind="after-restart"):
                    failed.append(f"worker {worker.n}: index/get after the restart failed")
            print(f"restarted after SIGKILL: {len(STATS.lost)} lost writes in all", flush=True)

    # RSS growth: the median of the samples (every 2 s) in the window just after the first
    # interval, against the median in the window that ends the run. The first interval is
    # warm-up: the daemon's worker threads grow their allocator arenas, the first checkpoint and
    # compactions run, the mapped index is first touched. Windows of several minutes (--rss-window,
    # at most half of what follows the warm-up) rather than single samples or one interval,
    # because RSS is a sawtooth: dead rows pile up until a background compaction, every minute or
    # so here, frees them (about +-5% around the mean with the default pool), and one interval's
    # median still depends on the phase at which it cuts that cycle.
    window = min(options.rss_window, ((samples[-1][0] if samples else 0) - options.interval) / 2)
    baseline = [r for t, r in samples if options.interval <= t < options.interval + window]
    final = [r for t, r in samples if t > samples[-1][0] - window] if samples else []
    judged = len(series) >= 3 and len(baseline) >= 3 and len(final) >= 3
    baseline, final = (statistics.median(baseline), statistics.median(final)) if judged else (None, None)
    growth = final / baseline - 1 if judged else None
    trend = statistics.linear_regression([t for t, _ in samples], [r for _, r in samples]).slope \
        if len(samples) >= 2 else 0.0
    summary = {"intervals": len(series), "rssWindowSeconds": window, "rssBaselineBytes": baseline,
               "rssFinalBytes": final, "rssGrowth": growth, "rssTrendBytesPerHour": trend * 3600,
               "malformed": len(STATS.malformed), "lost": len(STATS.lost), "unexpected": len(STATS.unexpected),
               "slowReplies": STATS.slow, "totals": STATS.totals,
               "errors": {f"{kind} {code}": n for (kind, code), n in sorted(STATS.errors.items(), key=str)},
               "failures": failed}
    if growth is None:
        print("RSS growth not judged: run under 3 intervals (use a shorter --interval)")
    elif growth >= 0.05:
        failed.append(f"RSS grew {growth:.1%} (limit 5%)")
    failed += [f"{len(STATS.malformed)} malformed replies"] * bool(STATS.malformed)
    failed += [f"{len(STATS.lost)} lost writes"] * bool(STATS.lost)
    failed += [f"client bug: {CRASHED}"] * bool(CRASHED)
    mib = lambda value: "n/a" if value is None else f"{value / 2**20:.1f}"
    print(f"summary: RSS median {mib(baseline)} MiB (after warm-up) -> {mib(final)} MiB (end), over "
          f"{window:.0f} s windows: growth {'n/a' if growth is None else f'{growth:+.2%}'} (trend "
          f"{trend * 3600 / 2**20:+.1f} MiB/h); "
          f"malformed {summary['malformed']}, lost "
          f"{summary['lost']}, unexpected errors {summary['unexpected']}, replies over 5 s {STATS.slow}")
    print(f"errors by kind and code: {summary['errors']}")
    if daemon and daemon.process.poll() is None:  # a clean stop must still work after all this
        daemon.process.terminate()
        try:
            if daemon.process.wait(60) != 0:
                failed.append(f"SIGTERM: the daemon exited {daemon.process.returncode}")
        except subprocess.TimeoutExpired:
            failed.append("SIGTERM: the daemon did not stop within 60 s")
    if daemon:
        logs.append(daemon.log)
        daemon.stop()
    if options.out:
        pathlib.Path(options.out).write_text(json.dumps({"options": vars(options), "series": series,
                                                         "rssSamples": [[round(t, 1), r] for t, r in samples],
                                                         "summary": summary, "malformedFirst": STATS.malformed[:20],
                                                         "lostFirst": STATS.lost[:20],
                                                         "unexpectedFirst": STATS.unexpected[:20]}, indent=1))
        pathlib.Path(options.out + ".daemon.log").write_text("\n--- restarted after SIGKILL ---\n".join(logs))
    shutil.rmtree(scratch, ignore_errors=True)
    print("FAILED: " + "; ".join(failed) if failed else "PASSED", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
