"""Load: 64 concurrent clients send 20,000 mixed requests (searches, scores, adds) over
the loopback Unix socket, and every reply is checked for correctness, not just for the
absence of errors:

- a `score` by id or by text equals the score the daemon gave the same pair before the
  load started (sequential reference);
- a `search` hit is a base document or a copy of one added during the load (copies carry
  the base document's text, so the same score), its score equals the reference, hits are
  sorted, and every base document that beats the last hit is among the hits;
- an `add` of new ids reports them all as added, and the final count is exact.

The whole run is bounded by a deadline (a hang fails instead of blocking CI).
"""

import asyncio
import itertools
import json
import random

import pytest

from raw_client import RawClient

CLIENTS = 64
REQUESTS = 20_000
BASE_DOCUMENTS = 48
K = 5
DEADLINE_SECONDS = 600
QUERIES = ["cats and warm windows", "rocket fuel", "bread and yeast", "rivers in spring",
           "old libraries", "quiet mountains", "fast trains", "garden tomatoes"]
WORDS = ("cat window rocket orbit bread yeast river spring library book mountain snow "
         "train rail garden tomato music piano ocean salt").split()


def base_documents():
    chooser = random.Random(7)
    return [{"id": f"base-{i}", "text": " ".join(chooser.choice(WORDS) for _ in range(8))}
            for i in range(BASE_DOCUMENTS)]


def close(a, b):
    return abs(a - b) <= 1e-4 * max(1.0, abs(a), abs(b))


class LoadClient:
    """One asyncio connection with many requests in flight, replies matched by id."""

    def __init__(self, reader, writer, schema):
        self.reader, self.writer, self.schema = reader, writer, schema
        self.waiting = {}
        self.ids = itertools.count(1)
        self.listener = asyncio.ensure_future(self._listen())

    async def _listen(self):
        while True:
            line = await self.reader.readline()
            if not line:
                for future in self.waiting.values():
                    future.set_exception(ConnectionError("daemon closed the connection"))
                return
            message = json.loads(line)
            method, future = self.waiting.pop(message["id"])
            self.schema.check(method, message)
            future.set_result(message)

    async def call(self, method, params):
        id = next(self.ids)
        future = asyncio.get_running_loop().create_future()
        self.waiting[id] = (method, future)
        self.writer.write(json.dumps({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).encode() + b"\n")
        reply = await future
        assert "result" in reply, f"{method} {params!r:.200} failed: {reply}"
        return reply["result"]


async def run_load(socket_path, schema, reference, texts):
    added_total = 0
    checked = {"search": 0, "score": 0, "index/add": 0}

    async def client(number):
        nonlocal added_total
        reader, writer = await asyncio.open_unix_connection(socket_path, limit=1 << 24)
        connection = LoadClient(reader, writer, schema)
        chooser = random.Random(number)
        share = REQUESTS // CLIENTS + (1 if number < REQUESTS % CLIENTS else 0)
        pending = set()
        for n in range(share):
            kind = chooser.choices(["search", "score", "index/add"], weights=[4, 4, 2])[0]
            pending.add(asyncio.ensure_future(one_request(connection, chooser, kind, number, n)))
            if len(pending) >= 8:  # a few in flight per client, well under the per-connection limit
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
        for task in asyncio.as_completed(pending):
            await task
        connection.listener.cancel()
        writer.close()

    async def one_request(connection, chooser, kind, number, n):
        nonlocal added_total
        query = chooser.choice(QUERIES)
        if kind == "search":
            result = await connection.call("search", {"query": query, "k": K})
            hits = result["results"]
            assert len(hits) == K
            scores = [hit["score"] for hit in hits]
            assert scores == sorted(scores, reverse=True)
            for hit in hits:
                base = hit["id"] if hit["id"].startswith("base-") else hit["id"].split("/", 1)[1]
                assert close(hit["score"], reference[query][base]), (query, hit)
            lowest = scores[-1]
            for base, score in reference[query].items():
                if score > lowest + 1e-4 * max(1.0, abs(score)):
                    assert any(h["id"] == base for h in hits), f"{base} ({score}) missing from {hits}"
        elif kind == "score":
            bases = chooser.sample(sorted(texts), 3)
            documents = [{"id": bases[0]}, {"text": texts[bases[1]]}, {"id": bases[2]}, {"id": "absent"}]
            result = await connection.call("score", {"query": query, "documents": documents})
            expected = [reference[query][b] for b in bases]
            assert all(close(a, b) for a, b in zip(result["scores"][:3], expected)), (result, expected)
            assert result["scores"][3] is None
        else:
            base = chooser.choice(sorted(texts))
            copy_id = f"copy-{number}-{n}/{base}"
            result = await connection.call("index/add", {"documents": [{"id": copy_id, "text": texts[base]}]})
            assert result == {"added": 1, "updated": 0}
            added_total += 1
        checked[kind] += 1

    await asyncio.gather(*(client(number) for number in range(CLIENTS)))
    return added_total, checked


def test_64_clients_20000_mixed_requests(model_daemon, schema):
    documents = base_documents()
    texts = {d["id"]: d["text"] for d in documents}
    setup = RawClient(model_daemon.socket_path, schema)
    assert setup.result("index/add", {"documents": documents}) == {"added": BASE_DOCUMENTS, "updated": 0}
    reference = {}
    for query in QUERIES:
        scores = setup.result("score", {"query": query, "documents": [{"id": d["id"]} for d in documents]})["scores"]
        reference[query] = dict(zip(texts, scores))
        assert len(set(round(s, 6) for s in scores)) > BASE_DOCUMENTS // 2, "scores distinguish documents"

    added, checked = asyncio.run(asyncio.wait_for(
        run_load(model_daemon.socket_path, schema, reference, texts), DEADLINE_SECONDS))

    assert sum(checked.values()) == REQUESTS
    assert min(checked.values()) > REQUESTS // 10, checked
    assert setup.result("index/stats")["documents"] == BASE_DOCUMENTS + added
    status = setup.result("server/status")
    assert status["work"]["inFlight"] == 0
    assert status["methods"]["search"]["failed"] == 0 and status["methods"]["index/add"]["failed"] == 0
