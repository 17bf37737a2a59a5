"""Every entry of the bad-input catalogue (bad_inputs.py) gets its proper error, naming the
field or limit, or a clean close; afterwards the daemon still answers, and repeating the
whole catalogue leaves its resident memory flat."""

import socket

import pytest

import bad_inputs
from bad_inputs import CATALOGUE, Closes, Error, Silent
from daemon_process import small_model
from raw_client import CONTENT_LENGTH, NDJSON, ConnectionClosed, RawClient, wait_until

#: Extra rounds of the whole catalogue for the memory check, after one warm-up round.
MEMORY_ROUNDS = 3
#: Allowed RSS growth over those rounds (allocator noise, not a leak: a leak of even one
#: 2 MiB message per case would be hundreds of MiB).
MEMORY_SLACK_BYTES = 12 << 20


@pytest.fixture(scope="module")
def daemon(tmp_path_factory, schema):
    from daemon_process import DaemonProcess
    index = tmp_path_factory.mktemp("catalogue") / "index"
    daemon = DaemonProcess(["--model", small_model(), "--index", str(index), *bad_inputs.DAEMON_ARGUMENTS])
    yield daemon
    daemon.stop()


def run_case(daemon, schema, case):
    client = RawClient(daemon.socket_path, schema, CONTENT_LENGTH if case.framing == "lsp" else NDJSON)
    try:
        if case.after_hello:
            assert client.result("server/status")["version"]
        client.note_methods(case.data)
        expect = case.expect
        try:
            client.send_raw(case.data)
        except (BrokenPipeError, ConnectionResetError):
            assert isinstance(expect, Closes), f"the daemon closed while {case.name} was being sent"
        if isinstance(expect, Closes):
            messages = client.read_until_closed()
            assert len(messages) <= 2, messages
            assert all(m["error"]["code"] == expect.code for m in messages), messages
            return
        if isinstance(expect, Silent):
            assert client.result("server/status")["version"], "the first reply is to the next request"
            return
        reply = client.read()
        if isinstance(expect, Error):
            assert isinstance(reply, dict) and "error" in reply, reply
            assert reply["error"]["code"] == expect.code, reply
            for text in expect.mentions:
                assert text in reply["error"]["message"], reply
            if expect.id != "any":
                assert reply["id"] == expect.id, reply
        else:
            expect([reply])
        assert client.result("server/status")["version"], "the same connection is still served"
    finally:
        client.close()


def half_a_message_then_vanish(daemon, schema):
    watcher = RawClient(daemon.socket_path, schema)
    before = watcher.result("server/status")["connections"]["open"]
    for data in [b'{"jsonrpc":"2.0","id":1,"method":"ser', b"Content-Length: 100\r\n\r\n{\"jsonrpc\"", b"Content-Len", b""]:
        vanishing = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        vanishing.connect(daemon.socket_path)
        vanishing.sendall(data)
        vanishing.close()
    wait_until("the vanished clients are cleaned up",
               lambda: watcher.result("server/status")["connections"]["open"] == before)
    watcher.close()


def request_then_vanish(daemon, schema):
    """A client that asks for slow work and leaves: the work is cancelled, nothing leaks."""
    watcher = RawClient(daemon.socket_path, schema)
    leaving = RawClient(daemon.socket_path, schema)
    leaving.send(leaving.request("debug/sleep", {"milliseconds": 60_000}))
    wait_until("the sleep runs", lambda: watcher.result("server/status")["work"]["running"] == 1)
    leaving.close()
    wait_until("the sleep is cancelled", lambda: watcher.result("server/status")["work"]["inFlight"] == 0)
    watcher.close()


def duplicate_outstanding_ids(daemon, schema):
    """Two requests in flight with the same id are both answered (JSON-RPC leaves ids to the client)."""
    client = RawClient(daemon.socket_path, schema)
    client.send(client.request("debug/sleep", {"milliseconds": 5}, id="same"))
    client.send(client.request("debug/sleep", {"milliseconds": 0}, id="same"))
    replies = [client.read(), client.read()]
    assert sorted(r["result"]["slept"] for r in replies) == [0, 5]
    assert [r["id"] for r in replies] == ["same", "same"]
    client.close()


SCENARIOS = [half_a_message_then_vanish, request_then_vanish, duplicate_outstanding_ids]


def test_catalogue_is_large_enough():
    assert len(CATALOGUE) + len(SCENARIOS) >= 40
    assert len({case.name for case in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize("case", CATALOGUE, ids=[case.name for case in CATALOGUE])
def test_bad_input(daemon, schema, case):
    run_case(daemon, schema, case)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_bad_client(daemon, schema, scenario):
    scenario(daemon, schema)


def test_memory_is_flat_after_repeating_the_catalogue(daemon, schema):
    def one_round():
        for case in CATALOGUE:
            run_case(daemon, schema, case)
        for scenario in SCENARIOS:
            scenario(daemon, schema)

    one_round()  # warm-up: caches, allocator arenas, the worker threads' stacks
    before = daemon.resident_bytes()
    for _ in range(MEMORY_ROUNDS):
        one_round()
    after = daemon.resident_bytes()
    print(f"RSS before {before >> 10} KiB, after {MEMORY_ROUNDS} rounds {after >> 10} KiB")
    assert after - before < MEMORY_SLACK_BYTES, f"RSS grew from {before} to {after} bytes over {MEMORY_ROUNDS} rounds"
    client = RawClient(daemon.socket_path, schema)
    status = client.result("server/status")
    assert status["connections"]["open"] == 1 and status["work"]["inFlight"] == 0
    assert client.result("index/stats")["documents"] == 0, "no bad add was applied"
