"""The schema check every end-to-end test relies on must be able to fail: wrong results,
wrong envelopes and malformed errors are rejected, and real ones pass."""

import pytest

from response_schema import SchemaViolation


def test_every_served_method_is_in_the_schema(start_daemon, schema):
    from raw_client import RawClient
    daemon = start_daemon(["--debug-methods"])
    served = RawClient(daemon.socket_path, schema).result("initialize", {})["capabilities"]["methods"]
    assert sorted(served) == sorted(schema.method_names)


@pytest.mark.parametrize("method, message", [
    ("search", {"jsonrpc": "2.0", "id": 1, "result": {"mode": "exact", "results": [{"id": 1, "score": 0.5}],
                                                      "documentsScored": 1, "elapsedMs": 0.5}}),
    ("search", {"jsonrpc": "2.0", "id": 1, "result": {"results": [], "documentsScored": 0, "elapsedMs": 0.5}}),
    ("search", {"jsonrpc": "2.0", "id": 1, "result": {"mode": "exact", "results": []}}),
    ("score", {"jsonrpc": "2.0", "id": 1, "result": {"scores": ["high"]}}),
    ("index/add", {"jsonrpc": "2.0", "id": 1, "result": {"added": -1, "updated": 0}}),
    ("index/add", {"jsonrpc": "2.0", "id": 1, "result": {"added": 1, "updated": 0, "extra": True}}),
    ("search", {"jsonrpc": "1.0", "id": 1, "result": {"mode": "exact", "results": []}}),
    ("search", {"jsonrpc": "2.0", "id": [1], "result": {"mode": "exact", "results": []}}),
    ("search", {"jsonrpc": "2.0", "result": {"mode": "exact", "results": []}}),
    (None, {"jsonrpc": "2.0", "id": 1, "result": {}}),
    ("search", {"jsonrpc": "2.0", "id": 1, "error": {"code": "-32600", "message": "x"}}),
    ("search", {"jsonrpc": "2.0", "id": 1, "error": {"code": -32600}}),
    ("search", {"jsonrpc": "2.0", "id": 1, "error": {"code": -32600, "message": ""}}),
    ("search", {"jsonrpc": "2.0", "id": 1, "error": {"code": -32010, "message": "limit"}}),
    ("search", {"jsonrpc": "2.0", "id": 1, "error": {"code": -32010, "message": "limit", "data": {"limit": "x"}}}),
    ("search", {"jsonrpc": "2.0", "id": 1, "error": {"code": -32600, "message": "x"}, "result": {}}),
    ("nonexistent/method", {"jsonrpc": "2.0", "id": 1, "result": {}}),
    (None, {"jsonrpc": "2.0", "method": "$/progress", "params": {"token": "t"}}),
    (None, {"jsonrpc": "2.0", "method": "window/logMessage", "params": {}}),
])
def test_non_conforming_messages_are_rejected(schema, method, message):
    with pytest.raises(SchemaViolation):
        schema.check(method, message)


@pytest.mark.parametrize("method, message", [
    ("search", {"jsonrpc": "2.0", "id": "a", "result": {"mode": "exact", "results": [{"id": "d", "score": 0.5}],
                                                        "documentsScored": 3, "elapsedMs": 1.25}}),
    ("score", {"jsonrpc": "2.0", "id": 7, "result": {"scores": [0.25, None]}}),
    (None, {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "Parse error"}}),
    ("search", {"jsonrpc": "2.0", "id": 3, "error": {"code": -32010, "message": "batch.length limit exceeded",
                                                      "data": {"limit": "batch.length", "max": 1, "actual": 2}}}),
])
def test_conforming_messages_pass(schema, method, message):
    schema.check(method, message)
