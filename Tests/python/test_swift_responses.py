"""Every message the Swift daemon tests (Tests/HypencoderDaemonTests) received validates
against the schema: they log each one, with the method it answers, to
.build/test-responses/daemon.jsonl (see Tests/HypencoderTestSupport/ResponseLog.swift).
Run after `swift test`; when the log is absent (Swift tests not run on this tree) the test
is skipped, saying so."""

import json
import pathlib

import pytest

from response_schema import REPOSITORY, SchemaViolation

LOG = REPOSITORY / ".build" / "test-responses" / "daemon.jsonl"


def test_swift_test_responses_conform(schema):
    if not LOG.exists():
        pytest.skip(f"{LOG} absent: run `swift test --filter HypencoderDaemonTests` first")
    problems, count, methods = [], 0, set()
    for number, line in enumerate(LOG.read_text().splitlines(), 1):
        entry = json.loads(line)
        message, method = entry["message"], entry["method"]
        count += 1
        try:
            if method is None and "result" in message:
                # A reply to bytes sent raw: its method is unknown, so only the envelope.
                schema.check_envelope(message)
            else:
                schema.check(method, message)
                methods.add(method)
        except SchemaViolation as problem:
            problems.append(f"line {number}: {problem}")
    assert problems == [], "\n".join(problems[:20])
    assert count > 100, f"only {count} messages logged"
    assert {"search", "index/add", "score", "server/status"} <= methods, sorted(m for m in methods if m)
