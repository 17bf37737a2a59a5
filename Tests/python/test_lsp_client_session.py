"""A third-party JSON-RPC client (python-lsp-jsonrpc, the one python-lsp-server uses) drives
a whole session against the real daemon over the LSP Content-Length framing: initialize,
index/add, search, a cancelled slow request, shutdown and exit. If the daemon's framing,
id echo, cancellation or lifecycle differ from what LSP tooling expects, this fails.

The library's reader hands each message to our consumer first, which validates it against
the schema and records it, then passes it on to the library's `Endpoint`.
"""

import concurrent.futures
import socket
import threading

import pytest
from pylsp_jsonrpc.endpoint import Endpoint
from pylsp_jsonrpc.exceptions import JsonRpcException
from pylsp_jsonrpc.streams import JsonRpcStreamReader, JsonRpcStreamWriter

from daemon_process import TIMEOUT

REQUEST_CANCELLED = -32800


class LSPSession:
    """python-lsp-jsonrpc's Endpoint on a Unix socket to the daemon."""

    def __init__(self, socket_path, schema):
        self.schema = schema
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(socket_path)
        self.received = []
        self.problems = []
        self.methods = {}
        self.progress = []
        self._writer = JsonRpcStreamWriter(self.sock.makefile("wb"))
        self._reader = JsonRpcStreamReader(self.sock.makefile("rb"))
        self.endpoint = Endpoint({"$/progress": self.progress.append}, self._write,
                                 id_generator=self._next_id)
        self._counter = 0
        self._thread = threading.Thread(target=self._reader.listen, args=(self._consume,), daemon=True)
        self._thread.start()

    def _next_id(self):
        self._counter += 1
        return f"lsp-{self._counter}"

    def _write(self, message):
        if "id" in message and "method" in message:
            self.methods[message["id"]] = message["method"]
        self._writer.write(message)

    def _consume(self, message):
        self.received.append(message)
        try:
            self.schema.check(self.methods.get(message.get("id")), message)
        except AssertionError as problem:
            self.problems.append(str(problem))
        try:
            self.endpoint.consume(message)
        except concurrent.futures.InvalidStateError:
            # The library cancels the future itself before the daemon's -32800 reply arrives.
            pass

    def call(self, method, params=None):
        return self.endpoint.request(method, params).result(TIMEOUT)

    def reply_for(self, id):
        return next((m for m in self.received if m.get("id") == id and "method" not in m), None)

    def closed_by_daemon(self):
        """True once the daemon has closed the stream (the reader thread ends at EOF)."""
        self._thread.join(TIMEOUT)
        return not self._thread.is_alive()

    def close(self):
        self.endpoint.shutdown()
        self.sock.close()


@pytest.fixture
def session(model_daemon, schema):
    session = LSPSession(model_daemon.socket_path, schema)
    yield session
    session.close()


def wait_for(condition):
    import time
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_full_session_with_a_third_party_lsp_client(model_daemon, session):
    initialized = session.call("initialize", {"processId": None, "clientInfo": {"name": "pylsp-jsonrpc"},
                                              "capabilities": {}})
    assert initialized["serverInfo"]["name"] == "hypencoderd"
    assert "contentLength" in initialized["capabilities"]["framings"]
    assert initialized["capabilities"]["cancellation"] is True

    documents = [{"id": "cats", "text": "cats purr and sleep on warm windowsills"},
                 {"id": "rockets", "text": "rockets burn fuel to reach orbit"},
                 {"id": "bread", "text": "bread rises when yeast ferments the dough"}]
    assert session.call("index/add", {"documents": documents, "workDoneToken": "add-1"}) == {"added": 3, "updated": 0}
    assert session.call("index/stats")["documents"] == 3

    found = session.call("search", {"query": "sleeping cats", "k": 3, "include": ["text"]})
    assert found["mode"] == "exact"
    assert sorted(hit["id"] for hit in found["results"]) == ["bread", "cats", "rockets"]
    scores = [hit["score"] for hit in found["results"]]
    assert scores == sorted(scores, reverse=True)
    texts = {d["id"]: d["text"] for d in documents}
    assert all(hit["text"] == texts[hit["id"]] for hit in found["results"])
    # The search ranks by the same function `score` computes.
    scored = session.call("score", {"query": "sleeping cats", "documents": [{"id": h["id"]} for h in found["results"]]})
    assert scored["scores"] == pytest.approx(scores, rel=1e-5, abs=1e-6)

    # A slow request, cancelled by the library (Future.cancel sends $/cancelRequest): the
    # daemon still answers it, with -32800, and carries on.
    slow = session.endpoint.request("debug/sleep", {"milliseconds": 60_000})
    slow_id = f"lsp-{session._counter}"
    wait_for(lambda: model_daemon_running(session))
    assert slow.cancel()
    wait_for(lambda: session.reply_for(slow_id) is not None)
    assert session.reply_for(slow_id)["error"]["code"] == REQUEST_CANCELLED
    work = session.call("server/status")["work"]  # status is answered on the loop, not queued
    assert (work["inFlight"], work["running"]) == (0, 0)

    assert session.call("shutdown") is None
    with pytest.raises(JsonRpcException) as refused:
        session.call("search", {"query": "after shutdown"})
    assert refused.value.code == -32600
    assert "shutting down" in refused.value.message
    session.endpoint.notify("exit")
    assert session.closed_by_daemon()
    assert model_daemon.wait() == 0, model_daemon.log
    assert session.problems == []
    assert len([m for m in session.received if "id" in m]) >= 10


def model_daemon_running(session):
    """True once debug/sleep is running on a worker (so the cancel hits running work)."""
    status = session.call("server/status")
    return status["work"]["running"] >= 1
