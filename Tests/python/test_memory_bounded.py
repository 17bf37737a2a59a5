"""An editor saves the same file again and again: the daemon's memory must follow the live
data, not the history of writes, without anyone calling index/compact (issue 15's first
case: one document rewritten 3,000 times with a 100 KB text).

Each rewrite carries its vector, so nothing is encoded and the test measures the index alone.
The background compaction (--compact-min-dead, --compact-dead-fraction; default 1000 dead rows
making at least half of all rows) reclaims the dead versions and their texts, and returns the
freed memory to the system."""

import random

from daemon_process import small_model
from raw_client import RawClient

DIMENSION = 384
TEXT_BYTES = 100 * 1024
REWRITES = 3000
#: RSS growth allowed over the rewrites (issue 15: "RSS grows <= 64 MiB").
GROWTH_BOUND = 64 << 20


def test_rewriting_one_document_3000_times_keeps_memory_flat(start_daemon, schema, tmp_path):
    daemon = start_daemon(["--model", small_model(), "--index", str(tmp_path / "index")])
    client = RawClient(daemon.socket_path, schema)
    generator = random.Random(15)
    vector = [generator.uniform(-1, 1) for _ in range(DIMENSION)]

    def rewrite(version):
        # Different bytes each time, so no allocator can share them.
        text = f"version {version} " + generator.randbytes(TEXT_BYTES // 2).hex()
        client.result("index/add", {"documents": [{"id": "file.txt", "vector": vector, "text": text}]})
        return text

    for version in range(50):  # warm-up: threads, arenas, the first log
        rewrite(version)
    before = daemon.resident_bytes()
    last = None
    for version in range(50, 50 + REWRITES):
        last = rewrite(version)
    after = daemon.resident_bytes()

    stats = client.result("index/stats")
    got = client.result("index/get", {"ids": ["file.txt"], "include": ["text"]})["documents"][0]
    print(f"RSS {before >> 20} MiB -> {after >> 20} MiB over {REWRITES} rewrites; "
          f"slots {stats['slots']}, background compactions {stats['backgroundCompactions']}")
    assert got["text"] == last, "the latest version is the one stored"
    assert stats["documents"] == 1
    assert stats["backgroundCompactions"] >= 2, stats
    assert stats["slots"] <= 2 * 1000 + 1, f"dead versions were not reclaimed: {stats}"
    assert after - before <= GROWTH_BOUND, f"RSS grew by {(after - before) >> 20} MiB (bound {GROWTH_BOUND >> 20})"


def test_with_background_compaction_off_only_a_call_reclaims(start_daemon, schema, tmp_path):
    daemon = start_daemon(["--model", small_model(), "--index", str(tmp_path / "index"),
                           "--compact-min-dead", "0"])
    client = RawClient(daemon.socket_path, schema)
    vector = [0.5] * DIMENSION
    for version in range(1200):
        client.result("index/add", {"documents": [{"id": "d", "vector": vector, "text": f"v{version}"}]})
    stats = client.result("index/stats")
    assert stats["slots"] == 1200 and stats["backgroundCompactions"] == 0, stats
    client.result("index/compact")
    assert client.result("index/stats")["slots"] == 1


def test_requests_run_on_workers_do_not_keep_their_params(start_daemon, schema, tmp_path):
    """Every model or index request runs on a worker; until 2026-12-07 each one leaked its
    params (a cycle between the queued task and the request it answers), so a client sending
    large texts grew the daemon by their size per request, refused ones included."""
    daemon = start_daemon(["--model", small_model(), "--index", str(tmp_path / "index")])
    client = RawClient(daemon.socket_path, schema)
    generator = random.Random(7)

    def refused_request():
        reply = client.call("model/info", {"unexpected": generator.randbytes(TEXT_BYTES // 2).hex()})
        assert reply["error"]["code"] == -32602, reply

    for _ in range(50):
        refused_request()
    before = daemon.resident_bytes()
    for _ in range(1000):  # 100 MB of params in all
        refused_request()
    after = daemon.resident_bytes()
    print(f"RSS {before >> 20} MiB -> {after >> 20} MiB over 1000 refused 100 KB requests")
    assert after - before < 16 << 20, f"RSS grew by {(after - before) >> 20} MiB"


def test_texts_live_in_the_index_files_not_in_memory(start_daemon, schema, tmp_path):
    """Issue 15: 100,000 documents with 2 KB texts must cost RSS no more than their vectors,
    the graph and 64 MiB: the 200 MB of text stays in the log and then the checkpoint's
    document table, read back only for the hits a reply returns."""
    import base64
    import struct

    daemon = start_daemon(["--model", small_model(), "--index", str(tmp_path / "index")])
    client = RawClient(daemon.socket_path, schema)
    generator = random.Random(100)
    documents, text_bytes, batch = 100_000, 2048, 500

    def text_of(number):
        # Readable, distinct, exactly text_bytes long: a number, then filler from a seeded stream.
        head = f"document {number}: "
        return head + random.Random(number).randbytes(text_bytes).hex()[: text_bytes - len(head)]

    def vector_base64():
        values = [generator.uniform(-1, 1) for _ in range(DIMENSION)]
        return base64.b64encode(struct.pack(f"<{DIMENSION}f", *values)).decode()

    client.result("index/add", {"documents": [{"id": "warm-up", "vector": vector_base64(), "text": "x"}]})
    client.result("index/delete", {"ids": ["warm-up"]})
    before = daemon.resident_bytes()
    for start in range(0, documents, batch):
        client.result("index/add", {"documents": [
            {"id": f"d{n}", "vector": vector_base64(), "text": text_of(n)} for n in range(start, start + batch)]})
    after_adding = daemon.resident_bytes()
    client.result("index/checkpoint")
    # Read texts back from both files' eras: a search's hits and a spread of look-ups.
    hits = client.result("search", {"query": "document", "k": 100, "include": ["text"]})["results"]
    assert all(hit["text"] == text_of(int(hit["id"][1:])) for hit in hits)
    sample = [f"d{n}" for n in range(0, documents, 997)]
    got = client.result("index/get", {"ids": sample, "include": ["text"]})["documents"]
    assert [doc["text"] for doc in got] == [text_of(int(i[1:])) for i in sample]
    after = daemon.resident_bytes()
    stats = client.result("index/stats")
    allowed = stats["vectorBytes"] + stats["graphBytes"] + (64 << 20)
    growth = max(after, after_adding) - before
    print(f"RSS {before >> 20} MiB -> {after_adding >> 20} MiB after adding -> {after >> 20} MiB after checkpoint "
          f"and reads; vectors {stats['vectorBytes'] >> 20} MiB, graph {stats['graphBytes'] >> 20} MiB, "
          f"texts {documents * text_bytes >> 20} MiB")
    assert stats["documents"] == documents
    assert growth <= allowed, (
        f"RSS grew by {growth >> 20} MiB; vectors + graph + 64 MiB = {allowed >> 20} MiB")
