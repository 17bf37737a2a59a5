"""The bad-input catalogue: byte sequences a broken or hostile client may send, each with
the answer the daemon owes it. Used by test_bad_input_catalogue.py, which also repeats the
whole catalogue to check that memory stays flat.

The daemon under test runs with the limits in DAEMON_ARGUMENTS (small enough that the
oversize cases are cheap). An expectation is one of:
- `Error(code, mentions)`: exactly one error reply whose message contains every string in
  `mentions` (the field or limit at fault); the connection stays usable afterwards.
- `Closes(code)`: at most one error reply with that code, then the daemon closes the
  connection (the byte stream cannot be resynchronised).
- `Silent()`: no reply at all (notifications); the connection stays usable.
- a function of the replies, for batches.
"""

import base64
import dataclasses
import json
import struct

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
LIMIT_EXCEEDED = -32010

MAX_MESSAGE_BYTES = 2 << 20
MAX_BATCH = 10_000
MAX_JSON_DEPTH = 64
DAEMON_ARGUMENTS = ["--max-message-bytes", str(MAX_MESSAGE_BYTES), "--max-batch", str(MAX_BATCH),
                    "--max-json-depth", str(MAX_JSON_DEPTH), "--debug-methods"]
#: The served model's document vector length (the default model: all-MiniLM-L6-v2, 384).
DIMENSION = 384


@dataclasses.dataclass
class Error:
    code: int
    mentions: tuple = ()
    id: object = "any"


@dataclasses.dataclass
class Closes:
    code: int = PARSE_ERROR


@dataclasses.dataclass
class Silent:
    pass


@dataclasses.dataclass
class Case:
    name: str
    data: bytes
    expect: object
    framing: str = "ndjson"
    #: Send a valid request first, so the framing is settled before the bad bytes arrive
    #: (the very first byte of a connection selects the framing).
    after_hello: bool = False


def line(text):
    return (text if isinstance(text, bytes) else text.encode()) + b"\n"


def request(method, params=None, id=1):
    message = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        message["params"] = params
    return line(json.dumps(message))


def lsp(body, header=None):
    body = body if isinstance(body, bytes) else body.encode()
    return (header if header is not None else b"Content-Length: %d\r\n\r\n" % len(body)) + body


def floats_base64(values):
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()


def _batch_of(count):
    # Cheap methods answered on the loop thread: the case is about batch handling, not work.
    return [{"jsonrpc": "2.0", "id": i, "method": "$/cancelRequest", "params": {"id": -1}} if i % 2
            else {"jsonrpc": "2.0", "id": i, "method": "no/such"} for i in range(count)]


def _check_big_batch(replies):
    (batch,) = replies
    assert isinstance(batch, list) and len(batch) == MAX_BATCH
    assert sorted(r["id"] for r in batch) == list(range(MAX_BATCH))
    for reply in batch:
        if reply["id"] % 2:
            assert "result" in reply, reply
        else:
            assert reply["error"]["code"] == METHOD_NOT_FOUND and "no/such" in reply["error"]["message"]


def _check_each_invalid(replies):
    (batch,) = replies
    assert [r["error"]["code"] for r in batch] == [INVALID_REQUEST] * 3


def _check_duplicate_ids(replies):
    (batch,) = replies
    assert [r["id"] for r in batch] == [7, 7]
    assert sorted(r["result"]["slept"] for r in batch) == [0, 1]


def _check_mixed_batch(replies):
    (batch,) = replies
    by_id = {r["id"]: r for r in batch}
    assert len(batch) == 2, "the notification in the batch gets no reply"
    assert "result" in by_id[1] and by_id[2]["error"]["code"] == INVALID_PARAMS


_status = '{"jsonrpc":"2.0","id":1,"method":"server/status"}'
deep_params = "[" * 100 + "]" * 100
very_deep = "[" * 200_000 + "]" * 200_000
wrong_length = [0.5] * (DIMENSION - 1)

CATALOGUE = [
    # Not JSON, or not UTF-8.
    Case("truncated JSON", line('{"jsonrpc":"2.0","id":1,"method":"server/status"'), Error(PARSE_ERROR, id=None)),
    Case("trailing garbage", line('{"jsonrpc":"2.0","id":1,"method":"server/status"} x'), Error(PARSE_ERROR, id=None)),
    Case("invalid UTF-8", line(b'{"jsonrpc":"2.0","id":1,"method":"a\xc3\x28"}'), Error(PARSE_ERROR, id=None)),
    Case("overlong UTF-8", line(b'{"jsonrpc":"2.0","id":1,"method":"\xc0\xaf"}'), Error(PARSE_ERROR, id=None)),
    Case("NUL byte in a string", line(b'{"jsonrpc":"2.0","id":1,"method":"a\x00b"}'), Error(PARSE_ERROR, id=None)),
    Case("lone surrogate escape", line(r'{"jsonrpc":"2.0","id":1,"method":"\ud800"}'), Error(PARSE_ERROR, id=None)),
    Case("NaN literal in a vector", line('{"jsonrpc":"2.0","id":1,"method":"score","params":{"query":"q","documents":[{"vector":[NaN]}]}}'),
         Error(PARSE_ERROR, id=None)),
    Case("number too large for a double", request("search", {"query": "q"}).replace(b'"q"}', b'"q","k":1e400}'),
         Error(PARSE_ERROR, id=None)),
    Case("unrecognised framing", b"hello daemon\n", Closes(PARSE_ERROR)),
    # Valid JSON that is not a request.
    Case("bare number as the first bytes", line("42"), Closes(PARSE_ERROR)),
    Case("bare number", line("42"), Error(INVALID_REQUEST, id=None), after_hello=True),
    Case("bare string", line('"hello"'), Error(INVALID_REQUEST, id=None), after_hello=True),
    Case("null", line("null"), Error(INVALID_REQUEST, id=None), after_hello=True),
    Case("empty object", line("{}"), Error(INVALID_REQUEST, id=None)),
    Case("jsonrpc 1.0", line('{"jsonrpc":"1.0","id":1,"method":"server/status"}'), Error(INVALID_REQUEST, ("jsonrpc",), id=1)),
    Case("jsonrpc missing", line('{"id":1,"method":"server/status"}'), Error(INVALID_REQUEST, ("jsonrpc",), id=1)),
    Case("method is a number", line('{"jsonrpc":"2.0","id":1,"method":5}'), Error(INVALID_REQUEST, ("method",), id=1)),
    Case("method missing", line('{"jsonrpc":"2.0","id":1}'), Error(INVALID_REQUEST, ("method",), id=1)),
    Case("id is an object", line('{"jsonrpc":"2.0","id":{"a":1},"method":"server/status"}'), Error(INVALID_REQUEST, ("id",), id=None)),
    Case("params is a string", line('{"jsonrpc":"2.0","id":1,"method":"search","params":"q"}'), Error(INVALID_REQUEST, ("params",), id=1)),
    Case("unknown method", request("index/explode"), Error(METHOD_NOT_FOUND, ("index/explode",))),
    Case("reserved rpc. method", request("rpc.discover"), Error(METHOD_NOT_FOUND, ("rpc.discover",))),
    # Wrong or missing params: the message names the field.
    Case("params as an array", request("search", ["q"]), Error(INVALID_PARAMS, ("params",))),
    Case("search: k is a string", request("search", {"query": "q", "k": "ten"}), Error(INVALID_PARAMS, ("params.k",))),
    Case("search: k is zero", request("search", {"query": "q", "k": 0}), Error(INVALID_PARAMS, ("params.k", "10000"))),
    Case("search: k beyond int64", request("search", {"query": "q"}).replace(b'"q"}', b'"q","k":123456789012345678901234567890}'),
         Error(PARSE_ERROR, ("64 bits",), id=None)),
    Case("search: query missing", request("search", {"k": 3}), Error(INVALID_PARAMS, ("params.query",))),
    Case("search: unknown field", request("search", {"query": "q", "top": 3}), Error(INVALID_PARAMS, ("params.top",))),
    Case("search: bad mode", request("search", {"query": "q", "mode": "fuzzy"}), Error(INVALID_PARAMS, ("params.mode",))),
    Case("search: bad include", request("search", {"query": "q", "include": ["vector"]}), Error(INVALID_PARAMS, ("params.include[0]",))),
    Case("score: no documents", request("score", {"query": "q", "documents": []}), Error(INVALID_PARAMS, ("params.documents",))),
    Case("score: wrong-length vector", request("score", {"query": "q", "documents": [{"vector": wrong_length}]}),
         Error(INVALID_PARAMS, ("params.documents[0].vector", str(DIMENSION)))),
    Case("score: NaN in a base64 vector", request("score", {"query": "q", "documents": [
        {"vector": floats_base64([float("nan")] + [0.0] * (DIMENSION - 1))}]}), Error(INVALID_PARAMS, ("params.documents[0].vector",))),
    Case("score: float32 overflow", request("score", {"query": "q", "documents": [{"vector": [1e39] + [0.0] * (DIMENSION - 1)}]}),
         Error(INVALID_PARAMS, ("params.documents[0].vector",))),
    Case("score: string in a vector", request("score", {"query": "q", "documents": [{"vector": ["x"] * DIMENSION}]}),
         Error(INVALID_PARAMS, ("params.documents[0].vector",))),
    Case("score: base64 of a partial float", request("score", {"query": "q", "documents": [{"vector": "AAAA"[:3] + "="}]}),
         Error(INVALID_PARAMS, ("params.documents[0].vector",))),
    Case("score: id and text together", request("score", {"query": "q", "documents": [{"id": "a", "text": "b"}]}),
         Error(INVALID_PARAMS, ("params.documents[0]",))),
    Case("add: empty id", request("index/add", {"documents": [{"id": "", "text": "t"}]}), Error(INVALID_PARAMS, ("params.documents[0].id",))),
    Case("add: neither text nor vector", request("index/add", {"documents": [{"id": "a"}]}), Error(INVALID_PARAMS, ("params.documents[0]",))),
    Case("add: metadata not an object", request("index/add", {"documents": [{"id": "a", "text": "t", "metadata": 3}]}),
         Error(INVALID_PARAMS, ("params.documents[0].metadata",))),
    Case("add: wrong-length vector", request("index/add", {"documents": [{"id": "a", "vector": wrong_length}]}),
         Error(INVALID_PARAMS, ("params.documents[0].vector", str(DIMENSION)))),
    Case("add: collection name escaping the index", request("index/add", {"documents": [{"id": "a", "text": "t"}], "collection": "../x"}),
         Error(INVALID_PARAMS, ("params.collection",))),
    Case("add: collection name too long", request("index/add", {"documents": [{"id": "a", "text": "t"}], "collection": "c" * 65}),
         Error(INVALID_PARAMS, ("params.collection", "64"))),
    Case("add: collection not a string", request("index/add", {"documents": [{"id": "a", "text": "t"}], "collection": 7}),
         Error(INVALID_PARAMS, ("params.collection",))),
    Case("search: unknown collection", request("search", {"query": "q", "collection": "nowhere"}),
         Error(INVALID_PARAMS, ("params.collection", "nowhere"))),
    Case("search: collection and workspace both", request("search", {"query": "q", "collection": "a", "workspace": "/tmp"}),
         Error(INVALID_PARAMS, ("params.workspace", "not both"))),
    Case("search: relative workspace path", request("search", {"query": "q", "workspace": "notes"}),
         Error(INVALID_PARAMS, ("params.workspace", "absolute"))),
    Case("drop: the default collection", request("collection/drop", {"collection": "default"}),
         Error(INVALID_PARAMS, ("params.collection", "default"))),
    Case("workspace/index: root missing", request("workspace/index", {}), Error(INVALID_PARAMS, ("params.root",))),
    Case("workspace/index: root not a directory", request("workspace/index", {"root": "/proc/version"}),
         Error(INVALID_PARAMS, ("params.root", "not a directory"))),
    Case("workspace/index: passageTokens out of range", request("workspace/index", {"root": "/tmp", "passageTokens": 1}),
         Error(INVALID_PARAMS, ("params.passageTokens",))),
    Case("workspace/update: empty paths", request("workspace/update", {"paths": []}), Error(INVALID_PARAMS, ("params.paths",))),
    Case("workspace/update: path with a NUL", request("workspace/update", {"paths": ["/tmp/a\u0000b"]}),
         Error(INVALID_PARAMS, ("params.paths[0]",))),
    Case("encode: texts not strings", request("encode/documents", {"texts": [1]}), Error(INVALID_PARAMS, ("params.texts[0]",))),
    Case("encode: too many texts", request("encode/documents", {"texts": ["a"] * 1025}), Error(INVALID_PARAMS, ("params.texts", "1024"))),
    Case("encode: text over 1 MiB", request("encode/query", {"text": "a" * ((1 << 20) + 1)}), Error(INVALID_PARAMS, ("params.text",))),
    Case("get: ids not an array", request("index/get", {"ids": "a"}), Error(INVALID_PARAMS, ("params.ids",))),
    Case("sleep: negative", request("debug/sleep", {"milliseconds": -1}), Error(INVALID_PARAMS, ("params.milliseconds",))),
    Case("cancel: no id", request("$/cancelRequest", {}), Error(INVALID_PARAMS, ("params.id",))),
    # Nesting, size and batches: limits are named.
    Case("deep nesting", line('{"jsonrpc":"2.0","id":1,"method":"server/status","params":' + deep_params + "}"),
         Error(LIMIT_EXCEEDED, ("json.depth",), id=None)),
    Case("200,000 levels of nesting", line(very_deep), Error(LIMIT_EXCEEDED, ("json.depth",), id=None)),
    Case("empty batch", line("[]"), Error(INVALID_REQUEST, ("batch",), id=None)),
    Case("batch of non-requests", line("[1,2,3]"), _check_each_invalid),
    Case("10,000-element batch", line(json.dumps(_batch_of(MAX_BATCH))), _check_big_batch),
    Case("batch over the limit", line(json.dumps(_batch_of(MAX_BATCH + 1))), Error(LIMIT_EXCEEDED, ("batch.length",), id=None)),
    Case("duplicate ids in a batch", line(json.dumps([
        {"jsonrpc": "2.0", "id": 7, "method": "debug/sleep", "params": {"milliseconds": 0}},
        {"jsonrpc": "2.0", "id": 7, "method": "debug/sleep", "params": {"milliseconds": 1}}])), _check_duplicate_ids),
    Case("batch with a notification", line(json.dumps([
        {"jsonrpc": "2.0", "id": 1, "method": "server/status"}, {"jsonrpc": "2.0", "method": "server/status"},
        {"jsonrpc": "2.0", "id": 2, "method": "debug/sleep", "params": {}}])), _check_mixed_batch),
    Case("only notifications", line('[{"jsonrpc":"2.0","method":"server/status"},{"jsonrpc":"2.0","method":"nope"}]'), Silent()),
    Case("notification with bad params", line('{"jsonrpc":"2.0","method":"debug/sleep","params":{"milliseconds":"x"}}'), Silent()),
    Case("oversize NDJSON line", b"[" + b" " * MAX_MESSAGE_BYTES + b"]\n", Closes(LIMIT_EXCEEDED)),
    # LSP framing.
    Case("LSP: oversize Content-Length", b"Content-Length: %d\r\n\r\n{" % (MAX_MESSAGE_BYTES + 1), Closes(LIMIT_EXCEEDED), "lsp"),
    # The first 10 bytes are not JSON, and the rest is not a header: the stream cannot be
    # resynchronised (the valid message after it ends the bogus header block).
    Case("LSP: Content-Length shorter than the body", lsp(_status, b"Content-Length: 10\r\n\r\n") + lsp(_status),
         Closes(PARSE_ERROR), "lsp"),
    Case("LSP: Content-Length longer than the body", lsp(_status, b"Content-Length: %d\r\n\r\n" % (len(_status) + 30))
         + lsp(_status) * 2, Closes(PARSE_ERROR), "lsp"),
    Case("LSP: negative Content-Length", b"Content-Length: -5\r\n\r\n{}", Closes(PARSE_ERROR), "lsp"),
    Case("LSP: Content-Length not a number", b"Content-Length: ten\r\n\r\n{}", Closes(PARSE_ERROR), "lsp"),
    Case("LSP: no Content-Length", b"Content-Type: application/json\r\n\r\n{}", Closes(PARSE_ERROR), "lsp"),
    Case("LSP: duplicate Content-Length", b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}", Closes(PARSE_ERROR), "lsp"),
    Case("LSP: header line without colon", b"Content-Length: 2\r\nbogus\r\n\r\n{}", Closes(PARSE_ERROR), "lsp"),
    Case("LSP: endless header", b"Content-Length: 2\r\nX-Pad: " + b"a" * (MAX_MESSAGE_BYTES + 10), Closes(LIMIT_EXCEEDED), "lsp"),
    Case("LSP: empty body", lsp(b""), Error(PARSE_ERROR, id=None), "lsp"),
    Case("LSP: unknown method", lsp('{"jsonrpc":"2.0","id":"x","method":"nope"}'), Error(METHOD_NOT_FOUND, ("nope",), id="x"), "lsp"),
]
